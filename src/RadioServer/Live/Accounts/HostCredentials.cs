using System.Security.Cryptography;

namespace RadioServer.Live.Accounts;

/// <summary>What a host's name and password may be, and the passwords the station makes up.</summary>
internal static class HostCredentials
{
    public const int MaxNameLength = 100;
    public const int MinPasswordLength = 8;
    public const int MaxPasswordLength = 256;

    /// <summary>The master source's user (Icecast's): a host by that name could not be told from it.</summary>
    public const string MasterUser = "source";

    // Lower-case letters and digits without the ones read or typed as another (0/o, 1/l/i): one case, nothing to
    // shift. 31 symbols, log2(31) ≈ 4.95 bits each.
    private const string Alphabet = "abcdefghjkmnpqrstuvwxyz23456789";

    /// <summary>Random symbols in a generated password: 20 × 4.95 ≈ 99 bits.</summary>
    public const int GeneratedSymbols = 20;

    private const int GroupLength = 4;

    /// <summary>
    /// The name as it is stored and matched (trimmed), or the reason it cannot be one. Basic auth splits
    /// <c>user:password</c> at the first colon, so a name may not hold one.
    /// </summary>
    public static bool TryName(string? raw, out string name, out string error)
    {
        name = (raw ?? "").Trim();
        error = "";
        if (name.Length == 0)
        {
            error = "A host's name is required (the name used in the schedule's 'hosts').";
        }
        else if (name.Length > MaxNameLength)
        {
            error = $"A host's name may be at most {MaxNameLength} characters long, not {name.Length}.";
        }
        else if (IndexOfControl(name) is var at && at >= 0)
        {
            error = $"A host's name may not contain control characters (one is at position {at + 1}).";
        }
        else if (name.Contains(':', StringComparison.Ordinal))
        {
            error = "A host's name may not contain ':' (source clients send 'name:password', split at the first colon).";
        }
        else if (name.Equals(MasterUser, StringComparison.OrdinalIgnoreCase))
        {
            error = $"'{MasterUser}' is the master source's user name; choose the host's own name.";
        }
        return error.Length == 0;
    }

    /// <summary>The reason <paramref name="password"/> cannot be a host's password, or null. The reason never quotes it.</summary>
    public static string? PasswordProblem(string password)
    {
        if (password.Length < MinPasswordLength || password.Length > MaxPasswordLength)
        {
            return $"A password must be {MinPasswordLength} to {MaxPasswordLength} characters long, not {password.Length}; leave it out to have one generated.";
        }
        if (IndexOfControl(password) >= 0)
        {
            return "A password may not contain control characters (source clients cannot send them reliably).";
        }
        return null;
    }

    /// <summary>A new password from <see cref="RandomNumberGenerator"/>: 20 symbols in groups of four, <c>k7mq-3xpa-…</c> (24 characters).</summary>
    public static string Generate()
    {
        var symbols = RandomNumberGenerator.GetItems<char>(Alphabet, GeneratedSymbols);
        var groups = new string[GeneratedSymbols / GroupLength];
        for (var i = 0; i < groups.Length; i++)
        {
            groups[i] = new string(symbols, i * GroupLength, GroupLength);
        }
        return string.Join('-', groups);
    }

    /// <summary>The form two names are compared in: trimmed, upper-cased without regard to culture.</summary>
    public static string Key(string name) => name.Trim().ToUpperInvariant();

    // Cc (C0, DEL, C1) and the line and paragraph separators, which end a line in a log or a text field as well.
    private static int IndexOfControl(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsControl(text[i]) || text[i] is '\u2028' or '\u2029')
            {
                return i;
            }
        }
        return -1;
    }
}
