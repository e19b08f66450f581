namespace RadioServer.Live.Accounts;

/// <summary>A host's account: the name used in <c>schedule.json</c>'s <c>hosts</c>, and whether it may connect now.</summary>
public sealed record HostAccount(string Name, bool Disabled, DateTimeOffset? BlockedUntil, DateTimeOffset Created, DateTimeOffset? PasswordChanged);

/// <summary>Why an account's connected source (if any) should be ended.</summary>
internal enum HostAccountRevocation
{
    /// <summary>An operator disabled the account.</summary>
    Disabled,

    /// <summary>An operator deleted the account.</summary>
    Deleted,

    /// <summary><see cref="IHostAccounts.Block"/>: kept from connecting until <see cref="HostAccount.BlockedUntil"/>.</summary>
    Blocked,

    /// <summary>An operator reset the password: whoever connected with the old one should not stay on.</summary>
    PasswordChanged,
}

/// <summary>An account lost the right to the source it may have connected: the account as it is now (for a deleted one: as it was).</summary>
internal sealed record HostAccountRevoked(HostAccount Account, HostAccountRevocation Reason);

/// <summary>
/// Hosts' source credentials, as live sources check them. Passwords are stored hashed (ASP.NET Core's
/// <c>PasswordHasher</c>); a check costs the same work whether the account exists or not, so neither the answer
/// nor its time tells which. Thread-safe.
/// </summary>
internal interface IHostAccounts
{
    /// <summary>
    /// Raised after an account was disabled, deleted, blocked or given a new password (on the thread that changed it,
    /// outside any lock), so a source connected with it can be ended.
    /// </summary>
    event Action<HostAccountRevoked>? Revoked;

    /// <summary>The account when <paramref name="name"/> (case-insensitive) and <paramref name="password"/> match, disabled or not; null otherwise.</summary>
    HostAccount? Verify(string name, string password);

    /// <summary>Keeps the account from connecting until <paramref name="until"/> (an operator ended its source).</summary>
    void Block(string name, DateTimeOffset until);
}

/// <summary>No host accounts: only the master source may connect.</summary>
internal sealed class NoHostAccounts : IHostAccounts
{
    public event Action<HostAccountRevoked>? Revoked
    {
        add
        {
        }
        remove
        {
        }
    }

    public HostAccount? Verify(string name, string password) => null;

    public void Block(string name, DateTimeOffset until)
    {
    }
}
