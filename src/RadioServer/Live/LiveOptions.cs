using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace RadioServer.Live;

/// <summary>Live sources (<c>Radio:Live</c>): where source clients connect, and how long they may be quiet.</summary>
public sealed class LiveOptions
{
    public const string Section = "Radio:Live";

    /// <summary>The mount source clients connect to (a PUT/SOURCE to the listener mount is taken too, as Icecast users expect).</summary>
    [Required, RegularExpression("^/[A-Za-z0-9._~-]+(/[A-Za-z0-9._~-]+)*$", ErrorMessage = "Radio:Live:MountPath must look like /live (a path starting with '/').")]
    public string MountPath { get; set; } = "/live";

    /// <summary>
    /// The operator's source password (user <c>source</c>, as Icecast's): a source with it may go live at any time
    /// and goes on air at once. From configuration or the environment (<c>Radio__Live__MasterPassword</c>), never
    /// the repository. Unset: live input is off and every source is refused.
    /// </summary>
    public string? MasterPassword { get; set; }

    /// <summary>A source that sends nothing this long is ended (Icecast's source-timeout is 10 s).</summary>
    [Range(1, 600)]
    public int SourceTimeoutSeconds { get; set; } = 10;

    /// <summary>How long a source on air may give nothing before automation fades back in.</summary>
    [Range(0.5, 60)]
    public double GraceSeconds { get; set; } = 3;

    /// <summary>
    /// Where live slots are recorded, one MP3 a slot (<c>&lt;show id&gt;/&lt;yyyy-MM-dd_HHmm&gt;.mp3</c>); relative to the
    /// station's root (<see cref="Station.StationPaths"/>). Empty: recording is off.
    /// </summary>
    public string RecordingsPath { get; set; } = "recordings";

    /// <summary>CBR bitrate of the recordings (an MPEG-1 Layer III rate), encoded apart from the air's.</summary>
    public int RecordingBitrate { get; set; } = 128;
}

[OptionsValidator]
internal sealed partial class LiveOptionsValidator : IValidateOptions<LiveOptions>;

/// <summary>Rules that attributes cannot say.</summary>
internal sealed class LiveOptionsCrossValidator : IValidateOptions<LiveOptions>
{
    // ISO 11172-3 Layer III bitrates for 44.1 kHz (MPEG-1), as Radio:BitrateKbps.
    private static readonly int[] s_mpeg1Layer3Bitrates = [32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];

    public ValidateOptionsResult Validate(string? name, LiveOptions options)
    {
        var failures = new List<string>();
        if (Array.IndexOf(s_mpeg1Layer3Bitrates, options.RecordingBitrate) < 0)
        {
            failures.Add($"Radio:Live:RecordingBitrate {options.RecordingBitrate} is not an MP3 bitrate; use one of {string.Join(", ", s_mpeg1Layer3Bitrates)}.");
        }
        var path = options.RecordingsPath;
        if (!string.IsNullOrEmpty(path))
        {
            if (string.IsNullOrWhiteSpace(path) || char.IsWhiteSpace(path[0]) || char.IsWhiteSpace(path[^1]))
            {
                failures.Add("Radio:Live:RecordingsPath begins or ends with whitespace; remove it, or set it empty to turn recording off.");
            }
            else if (path.AsSpan().IndexOfAny(Path.GetInvalidPathChars()) >= 0 || path.Any(char.IsControl))
            {
                failures.Add("Radio:Live:RecordingsPath contains a character no path may hold.");
            }
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
