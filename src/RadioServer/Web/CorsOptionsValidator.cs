using Microsoft.Extensions.Options;

namespace RadioServer.Web;

[OptionsValidator]
internal sealed partial class CorsOptionsValidator : IValidateOptions<CorsOptions>;

/// <summary>Each origin as a browser sends it in its Origin header, or it could never match.</summary>
internal sealed class CorsOptionsCrossValidator : IValidateOptions<CorsOptions>
{
    public ValidateOptionsResult Validate(string? name, CorsOptions options)
    {
        var failures = new List<string>();
        for (var i = 0; i < options.Origins.Length; i++)
        {
            var origin = options.Origins[i];
            if (Problem(origin) is { } problem)
            {
                failures.Add($"Radio:Cors:Origins:{i} '{origin}' {problem}");
            }
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static string? Problem(string? origin)
    {
        if (string.IsNullOrWhiteSpace(origin))
        {
            return "is blank.";
        }
        // A trailing slash is forgiven (the policy trims it); anything else after the host and port is not.
        var trimmed = origin.TrimEnd('/');
        if (!Uri.TryCreate(trimmed, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            return "is not an absolute http or https origin (like https://www.example.org).";
        }
        // An origin is scheme://host[:port] and nothing more: no path, query, fragment or user, no default port.
        return string.Equals(trimmed, $"{uri.Scheme}://{uri.Authority}", StringComparison.OrdinalIgnoreCase)
            ? null
            : $"is not just an origin: use {uri.Scheme}://{uri.Authority}.";
    }
}
