using Microsoft.Extensions.Options;

namespace RadioServer.Auth;

[OptionsValidator]
internal sealed partial class AuthOptionsValidator : IValidateOptions<AuthOptions>;

/// <summary>Rules that span both keys or that attributes cannot say.</summary>
internal sealed class AuthOptionsCrossValidator : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        var failures = new List<string>();
        Check(options.HostKey, "Radio:Auth:HostKey", failures);
        Check(options.OperatorKey, "Radio:Auth:OperatorKey", failures);
        if (!string.IsNullOrEmpty(options.HostKey) && string.Equals(options.HostKey, options.OperatorKey, StringComparison.Ordinal))
        {
            failures.Add("Radio:Auth:HostKey and Radio:Auth:OperatorKey are the same key, which would give hosts the operators' rights; use two different keys.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    // Empty means unset (an empty environment variable is how one unsets it): a key is generated.
    private static void Check(string? key, string setting, List<string> failures)
    {
        if (string.IsNullOrEmpty(key))
        {
            return;
        }
        if (string.IsNullOrWhiteSpace(key))
        {
            failures.Add($"{setting} is blank; set a key, or leave it unset to have one generated.");
        }
        else if (char.IsWhiteSpace(key[0]) || char.IsWhiteSpace(key[^1]))
        {
            // Clients send "Bearer <key>" and the server trims it, so such a key could never match.
            failures.Add($"{setting} begins or ends with whitespace; remove it.");
        }
        else if (key.Any(char.IsControl))
        {
            failures.Add($"{setting} contains a control character, which no HTTP header can carry.");
        }
    }
}
