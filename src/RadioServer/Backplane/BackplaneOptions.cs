using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace RadioServer.Backplane;

/// <summary>
/// The hub across nodes: <c>Radio:Redis</c> (a StackExchange.Redis configuration string, e.g. <c>127.0.0.1:6379</c>)
/// turns on SignalR's Redis backplane for both hubs; <c>Radio:RedisChannelPrefix</c> keeps one station's messages
/// apart from another's on a shared Redis. Bound from the <c>Radio</c> section beside <c>RadioOptions</c>.
/// </summary>
public sealed class BackplaneOptions
{
    public const string Section = "Radio";

    /// <summary>Where Redis is. Empty: no backplane, each node's hubs reach only its own clients (one node needs none).</summary>
    [StringLength(2000)]
    public string? Redis { get; set; }

    /// <summary>
    /// Prefixed to every Redis channel of this station's hubs. Every node of one station must use the same; two
    /// stations on one Redis must not. Empty: <c>radioserver:&lt;station name&gt;:</c> (lower case, words joined by '-').
    /// </summary>
    [StringLength(200)]
    public string? RedisChannelPrefix { get; set; }

    internal bool Enabled => !string.IsNullOrWhiteSpace(Redis);

    /// <summary>The prefix in use: the configured one, or one made from the station's name.</summary>
    internal string ChannelPrefixFor(string stationName)
    {
        if (!string.IsNullOrWhiteSpace(RedisChannelPrefix))
        {
            return RedisChannelPrefix;
        }
        var words = new string([.. stationName.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : ' ')])
            .Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return $"radioserver:{(words.Length == 0 ? "station" : string.Join('-', words))}:";
    }
}

[OptionsValidator]
internal sealed partial class BackplaneOptionsValidator : IValidateOptions<BackplaneOptions>;

/// <summary>A configuration string StackExchange.Redis cannot read is refused at start, with its reason.</summary>
internal sealed class BackplaneOptionsCrossValidator : IValidateOptions<BackplaneOptions>
{
    public ValidateOptionsResult Validate(string? name, BackplaneOptions options)
    {
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }
        try
        {
            var parsed = ConfigurationOptions.Parse(options.Redis!);
            return parsed.EndPoints.Count == 0
                ? ValidateOptionsResult.Fail("Radio:Redis names no server (e.g. 127.0.0.1:6379).")
                : ValidateOptionsResult.Success;
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or RedisException)
        {
            return ValidateOptionsResult.Fail(// Not the value itself: it may hold the password.
            $"Radio:Redis is not a StackExchange.Redis configuration string: {ex.Message}");
        }
    }
}
