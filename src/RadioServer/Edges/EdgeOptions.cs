using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace RadioServer.Edges;

/// <summary>
/// A station across nodes (the <c>Radio</c> section, beside <see cref="Station.RadioOptions"/>): <see cref="Origin"/> makes
/// this node an edge that relays the origin's stream; <see cref="EdgeKey"/>, the same on the origin and every edge,
/// lets edges pull the stream and report their listeners.
/// </summary>
public sealed class EdgeOptions
{
    public const string Section = "Radio";

    /// <summary>
    /// The origin's base URL (<c>http://origin:8000</c>). Set: this node is an edge; its own air chain stays off and the
    /// origin's stream feeds its listeners. Unset: this node makes the station's audio itself.
    /// </summary>
    [StringLength(500)]
    public string? Origin { get; set; }

    /// <summary>The secret shared by the origin and its edges (<c>Radio__EdgeKey</c> in the environment, never the repository). Unset on a node: it takes no edges.</summary>
    [StringLength(500)]
    public string? EdgeKey { get; set; }

    /// <summary>
    /// Where listeners reach this node (<c>http://edge1.example.org:8000</c>): what the origin and other edges redirect
    /// players to when they are full. Unset: the first address the server listens on.
    /// </summary>
    [StringLength(500)]
    public string? PublicUrl { get; set; }

    /// <summary>The edge's name in the origin's status and metrics. Unset: its public URL's host and port.</summary>
    [StringLength(100)]
    public string? EdgeName { get; set; }

    /// <summary>How often an edge reports its listeners to the origin.</summary>
    [Range(0.2, 60)]
    public double EdgeReportSeconds { get; set; } = 2;

    /// <summary>How long the origin may be away (its audio replaced by silence) before operators are alarmed and the title says so.</summary>
    [Range(1, 3600)]
    public double OriginAlarmSeconds { get; set; } = 10;

    public bool IsEdge => !string.IsNullOrWhiteSpace(Origin);
}

[OptionsValidator]
internal sealed partial class EdgeOptionsValidator : IValidateOptions<EdgeOptions>;

/// <summary>Rules that attributes cannot say.</summary>
internal sealed class EdgeOptionsCrossValidator : IValidateOptions<EdgeOptions>
{
    public ValidateOptionsResult Validate(string? name, EdgeOptions options)
    {
        var failures = new List<string>();
        if (options.IsEdge)
        {
            if (!IsHttpUrl(options.Origin!))
            {
                failures.Add($"Radio:Origin '{options.Origin}' is not an http:// or https:// URL (the origin's base URL, e.g. http://origin:8000).");
            }
            if (string.IsNullOrWhiteSpace(options.EdgeKey))
            {
                failures.Add("Radio:Origin is set but Radio:EdgeKey is not: an edge needs the key its origin was given.");
            }
        }
        if (!string.IsNullOrWhiteSpace(options.EdgeKey) && options.EdgeKey.Length < 16)
        {
            failures.Add("Radio:EdgeKey must be at least 16 characters.");
        }
        if (!string.IsNullOrWhiteSpace(options.PublicUrl) && !IsHttpUrl(options.PublicUrl))
        {
            failures.Add($"Radio:PublicUrl '{options.PublicUrl}' is not an http:// or https:// URL.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    internal static bool IsHttpUrl(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) && string.IsNullOrEmpty(uri.Query);
}
