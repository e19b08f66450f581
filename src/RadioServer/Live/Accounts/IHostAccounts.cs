namespace RadioServer.Live.Accounts;

/// <summary>A host's account: the name used in <c>schedule.json</c>'s <c>hosts</c>, and whether it may connect now.</summary>
public sealed record HostAccount(string Name, bool Disabled, DateTimeOffset? BlockedUntil, DateTimeOffset Created, DateTimeOffset? PasswordChanged);

/// <summary>
/// Hosts' source credentials, as live sources check them. Passwords are stored hashed (ASP.NET Core's
/// <c>PasswordHasher</c>); a check costs the same work whether the account exists or not, so neither the answer
/// nor its time tells which. Thread-safe.
/// </summary>
internal interface IHostAccounts
{
    /// <summary>The account when <paramref name="name"/> (case-insensitive) and <paramref name="password"/> match, disabled or not; null otherwise.</summary>
    HostAccount? Verify(string name, string password);

    /// <summary>Keeps the account from connecting until <paramref name="until"/> (an operator ended its source).</summary>
    void Block(string name, DateTimeOffset until);
}

/// <summary>No host accounts: only the master source may connect.</summary>
internal sealed class NoHostAccounts : IHostAccounts
{
    public HostAccount? Verify(string name, string password) => null;

    public void Block(string name, DateTimeOffset until)
    {
    }
}
