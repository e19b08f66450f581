using Microsoft.Extensions.Options;

namespace RadioServer.Station;

[OptionsValidator]
internal sealed partial class RadioOptionsValidator : IValidateOptions<RadioOptions>;

/// <summary>Rules that span fields or that attributes cannot say.</summary>
internal sealed class RadioOptionsCrossValidator : IValidateOptions<RadioOptions>
{
    // ISO 11172-3 Layer III bitrates for 44.1 kHz (MPEG-1).
    private static readonly int[] s_mpeg1Layer3Bitrates = [32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];

    private static readonly string[] s_reservedPaths = ["/listen.m3u", "/listen.pls", "/hls", "/api", "/hubs", "/host", "/operator", "/embed", "/metrics", "/healthz", "/readyz", "/status-json.xsl", "/lib", "/icons", "/admin", "/art", "/schedule", "/manifest.webmanifest"];

    public ValidateOptionsResult Validate(string? name, RadioOptions options)
    {
        var failures = new List<string>();
        if (Array.IndexOf(s_mpeg1Layer3Bitrates, options.BitrateKbps) < 0)
        {
            failures.Add($"Radio:BitrateKbps {options.BitrateKbps} is not an MP3 bitrate; use one of {string.Join(", ", s_mpeg1Layer3Bitrates)}.");
        }
        if (options.BurstSizeBytes >= options.QueueLimitBytes)
        {
            failures.Add($"Radio:BurstSizeBytes ({options.BurstSizeBytes}) must be smaller than Radio:QueueLimitBytes ({options.QueueLimitBytes}), or every new listener would start over the limit.");
        }
        if (options.MountPath is { } mount && s_reservedPaths.Any(p => mount.Equals(p, StringComparison.OrdinalIgnoreCase) || mount.StartsWith(p + "/", StringComparison.OrdinalIgnoreCase)))
        {
            failures.Add($"Radio:MountPath '{mount}' collides with a path the server uses itself.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
