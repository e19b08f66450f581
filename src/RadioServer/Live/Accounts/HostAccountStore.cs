using System.Collections.Immutable;
using System.Globalization;
using Microsoft.AspNetCore.Identity;
using Microsoft.Data.Sqlite;
using RadioServer.Station;

namespace RadioServer.Live.Accounts;

/// <summary>How a change to the accounts went.</summary>
internal enum HostAccountOutcome
{
    Done,
    Exists,
    NotFound,

    /// <summary>The database could not be read or written; nothing changed (<see cref="HostAccountChange.Error"/> says why).</summary>
    Unavailable,
}

/// <summary>The outcome, the account as it is now (as it was, when deleted; the one in the way, when it exists) and, when unavailable, the reason.</summary>
internal readonly record struct HostAccountChange(HostAccountOutcome Outcome, HostAccount? Account, string? Error = null);

/// <summary>
/// Hosts' accounts in the station's SQLite file (<c>Radio:DatabasePath</c>, table <c>host_accounts</c>), every one
/// also in memory: <see cref="Verify"/> reads only memory. A change is written first and applied to memory only once
/// the file took it, one change at a time; readers see the accounts swapped whole (copy-on-write). A file that
/// cannot be read or written refuses the change with the reason, and the accounts in memory keep working.
/// Passwords are hashed with ASP.NET Core Identity's <see cref="PasswordHasher{TUser}"/> (PBKDF2, ~0.1 s a hash
/// here, on purpose): neither a password nor anything but its hash is kept, logged or written.
/// </summary>
/// <remarks>
/// The table is created with <c>CREATE TABLE IF NOT EXISTS</c> whenever the file is opened and never touches
/// <c>PRAGMA user_version</c>, which is <see cref="Operations.PlayHistory"/>'s schema version: the two share the file
/// and neither's migration sees the other's table.
/// </remarks>
internal sealed partial class HostAccountStore : IHostAccounts
{
    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    private const string CreateTable = """
        CREATE TABLE IF NOT EXISTS host_accounts (
            name_key TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            password_hash TEXT NOT NULL,
            disabled INTEGER NOT NULL DEFAULT 0,
            blocked_until TEXT,
            created_at TEXT NOT NULL,
            password_changed_at TEXT);
        """;

    // The hasher ignores the user it is given; every call gets this one.
    private static readonly HostAccount s_anyone = new("", false, null, default, null);

    private readonly PasswordHasher<HostAccount> _hasher = new();
    private readonly TimeProvider _time;
    private readonly ILogger<HostAccountStore> _logger;
    private readonly string _connectionString;
    private readonly Lock _gate = new(); // one change at a time: the file first, then memory
    private ImmutableDictionary<string, Entry> _accounts = ImmutableDictionary<string, Entry>.Empty; // by HostCredentials.Key
    private bool _loaded;
    private string? _lastError;

    public HostAccountStore(StationPaths paths, TimeProvider time, ILogger<HostAccountStore> logger)
    {
        _time = time;
        _logger = logger;
        DatabasePath = paths.DatabasePath;
        _connectionString = new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = false, DefaultTimeout = 5 }.ToString();
        lock (_gate)
        {
            TryLoad();
        }
    }

    public event Action<HostAccountRevoked>? Revoked;

    public string DatabasePath { get; }

    /// <summary>Why the file could not be read or written the last time it was tried; null once it worked again.</summary>
    public string? LastError => Volatile.Read(ref _lastError);

    /// <summary>Every account, by name.</summary>
    public IReadOnlyList<HostAccount> Accounts() =>
        [.. Volatile.Read(ref _accounts).Values.Select(e => e.Account).OrderBy(a => a.Name, StringComparer.OrdinalIgnoreCase)];

    public HostAccount? Find(string name) => Volatile.Read(ref _accounts).GetValueOrDefault(HostCredentials.Key(name))?.Account;

    public HostAccount? Verify(string name, string password)
    {
        var accounts = Volatile.Read(ref _accounts);
        var entry = accounts.GetValueOrDefault(HostCredentials.Key(name ?? ""));
        // An unknown name is checked against another account's hash as a dummy: the same salt size, PRF and iteration
        // count, so exactly a wrong password's work (a dummy made here would cost one more PBKDF2 per process, and one
        // made by Identity's defaults could drift from the stored ones). With no account at all, every name is unknown
        // and answered at once: the time tells nothing about names then either.
        if ((entry ?? accounts.Values.FirstOrDefault()) is not { } checkedAgainst)
        {
            return null;
        }
        // An old hash (fewer iterations) verifies as SuccessRehashNeeded: still the right password.
        var result = _hasher.VerifyHashedPassword(s_anyone, checkedAgainst.Hash, password ?? "");
        return entry is not null && result != PasswordVerificationResult.Failed ? entry.Account : null;
    }

    /// <summary>A new account. <paramref name="name"/> and <paramref name="password"/> must pass <see cref="HostCredentials"/>.</summary>
    public HostAccountChange Create(string name, string password)
    {
        RequireName(name, out name);
        var hash = _hasher.HashPassword(s_anyone, password); // the slow part, outside the lock
        var now = _time.GetUtcNow();
        HostAccount created;
        lock (_gate)
        {
            if (!Ready(out var error))
            {
                return new(HostAccountOutcome.Unavailable, null, error);
            }
            var key = HostCredentials.Key(name);
            if (_accounts.TryGetValue(key, out var existing))
            {
                return new(HostAccountOutcome.Exists, existing.Account);
            }
            var entry = new Entry(new HostAccount(name, false, null, now, null), hash);
            if (!TryWrite(key, entry, "create", out error))
            {
                return new(HostAccountOutcome.Unavailable, null, error);
            }
            Volatile.Write(ref _accounts, _accounts.SetItem(key, entry));
            created = entry.Account;
        }
        Log.Created(_logger, name);
        return new(HostAccountOutcome.Done, created);
    }

    /// <summary>Replaces the password: the old one stops working at once.</summary>
    public HostAccountChange SetPassword(string name, string password)
    {
        var hash = _hasher.HashPassword(s_anyone, password);
        var now = _time.GetUtcNow();
        var change = Change(name, "reset the password of", e => new Entry(e.Account with { PasswordChanged = now }, hash));
        if (change.Outcome == HostAccountOutcome.Done)
        {
            Log.PasswordChanged(_logger, change.Account!.Name);
            Raise(change.Account, HostAccountRevocation.PasswordChanged);
        }
        return change;
    }

    /// <summary>A disabled account still verifies (its <see cref="HostAccount.Disabled"/> says so); enabling also lifts a block.</summary>
    public HostAccountChange SetDisabled(string name, bool disabled)
    {
        var wasDisabled = false;
        var change = Change(name, disabled ? "disable" : "enable", e =>
        {
            wasDisabled = e.Account.Disabled;
            var next = e.Account with { Disabled = disabled, BlockedUntil = disabled ? e.Account.BlockedUntil : null };
            return next == e.Account ? e : e with { Account = next };
        });
        if (change.Outcome == HostAccountOutcome.Done && disabled && !wasDisabled)
        {
            Log.Disabled(_logger, change.Account!.Name);
            Raise(change.Account, HostAccountRevocation.Disabled);
        }
        else if (change.Outcome == HostAccountOutcome.Done && !disabled)
        {
            Log.Enabled(_logger, change.Account!.Name);
        }
        return change;
    }

    public HostAccountChange Delete(string name)
    {
        var change = Change(name, "delete", _ => null);
        if (change.Outcome == HostAccountOutcome.Done)
        {
            Log.Deleted(_logger, change.Account!.Name);
            Raise(change.Account, HostAccountRevocation.Deleted);
        }
        return change;
    }

    /// <summary>
    /// Takes effect in memory even when the file cannot take it (an operator just ended the source: the block must
    /// hold); the file gets it with the account's next change that it takes.
    /// </summary>
    public void Block(string name, DateTimeOffset until)
    {
        HostAccount blocked;
        lock (_gate)
        {
            var key = HostCredentials.Key(name);
            if (!_accounts.TryGetValue(key, out var entry))
            {
                return;
            }
            entry = entry with { Account = entry.Account with { BlockedUntil = until } };
            TryWrite(key, entry, "block", out _);
            Volatile.Write(ref _accounts, _accounts.SetItem(key, entry));
            blocked = entry.Account;
        }
        Log.Blocked(_logger, blocked.Name, until);
        Raise(blocked, HostAccountRevocation.Blocked);
    }

    /// <summary>Reads the file again if the last read failed. The list itself always comes from memory.</summary>
    public string? Refresh()
    {
        lock (_gate)
        {
            Ready(out var error);
            return error;
        }
    }

    /// <summary>
    /// One account's change under the lock: <paramref name="change"/> gives the new entry (null: delete it; the same
    /// entry: nothing to write). Written first; memory follows only when the file took it.
    /// </summary>
    private HostAccountChange Change(string name, string what, Func<Entry, Entry?> change)
    {
        lock (_gate)
        {
            if (!Ready(out var error))
            {
                return new(HostAccountOutcome.Unavailable, null, error);
            }
            var key = HostCredentials.Key(name);
            if (!_accounts.TryGetValue(key, out var entry))
            {
                return new(HostAccountOutcome.NotFound, null);
            }
            var next = change(entry);
            if (ReferenceEquals(next, entry))
            {
                return new(HostAccountOutcome.Done, entry.Account);
            }
            if (!TryWrite(key, next, what, out error))
            {
                return new(HostAccountOutcome.Unavailable, null, error);
            }
            Volatile.Write(ref _accounts, next is null ? _accounts.Remove(key) : _accounts.SetItem(key, next));
            return new(HostAccountOutcome.Done, (next ?? entry).Account);
        }
    }

    private static void RequireName(string raw, out string name)
    {
        if (!HostCredentials.TryName(raw, out name, out var error))
        {
            throw new ArgumentException(error, nameof(raw));
        }
    }

    private void Raise(HostAccount account, HostAccountRevocation reason)
    {
        try
        {
            Revoked?.Invoke(new HostAccountRevoked(account, reason));
        }
        catch (Exception ex)
        {
            // The change is made and saved; a subscriber that failed to act on it cannot undo it, and the operator
            // who made it should not be told it failed. Loud in the log instead.
            Log.RevokedHandlerFailed(_logger, account.Name, reason, ex);
        }
    }

    /// <summary>Under the lock: whether the accounts were read from the file (trying again if not).</summary>
    private bool Ready(out string? error)
    {
        if (!_loaded)
        {
            TryLoad();
        }
        error = _loaded ? null : _lastError;
        return _loaded;
    }

    /// <summary>Under the lock: reads every account into memory; on failure memory stays as it was and the reason is kept.</summary>
    private void TryLoad()
    {
        try
        {
            var accounts = ImmutableDictionary.CreateBuilder<string, Entry>();
            using (var connection = Open())
            using (var select = connection.CreateCommand())
            {
                select.CommandText = "SELECT name_key, name, password_hash, disabled, blocked_until, created_at, password_changed_at FROM host_accounts";
                using var reader = select.ExecuteReader();
                while (reader.Read())
                {
                    var account = new HostAccount(reader.GetString(1), reader.GetInt64(3) != 0, reader.IsDBNull(4) ? null : Parse(reader.GetString(4)),
                        Parse(reader.GetString(5)), reader.IsDBNull(6) ? null : Parse(reader.GetString(6)));
                    accounts[HostCredentials.Key(account.Name)] = new Entry(account, reader.GetString(2));
                }
            }
            Volatile.Write(ref _accounts, accounts.ToImmutable());
            _loaded = true;
            Volatile.Write(ref _lastError, null);
            Log.Loaded(_logger, accounts.Count, DatabasePath);
        }
        catch (Exception ex) when (ex is SqliteException or IOException or UnauthorizedAccessException or InvalidOperationException or FormatException)
        {
            Volatile.Write(ref _lastError, ex.Message);
            Log.LoadFailed(_logger, DatabasePath, ex.Message);
        }
    }

    /// <summary>Under the lock: writes one account's row (null: deletes it).</summary>
    private bool TryWrite(string key, Entry? entry, string what, out string? error)
    {
        try
        {
            using var connection = Open();
            using var command = connection.CreateCommand();
            command.Parameters.AddWithValue("$key", key);
            if (entry is null)
            {
                command.CommandText = "DELETE FROM host_accounts WHERE name_key = $key";
            }
            else
            {
                var a = entry.Account;
                command.CommandText = """
                    INSERT INTO host_accounts (name_key, name, password_hash, disabled, blocked_until, created_at, password_changed_at)
                    VALUES ($key, $name, $hash, $disabled, $blockedUntil, $created, $passwordChanged)
                    ON CONFLICT (name_key) DO UPDATE SET name = excluded.name, password_hash = excluded.password_hash, disabled = excluded.disabled,
                        blocked_until = excluded.blocked_until, created_at = excluded.created_at, password_changed_at = excluded.password_changed_at
                    """;
                command.Parameters.AddWithValue("$name", a.Name);
                command.Parameters.AddWithValue("$hash", entry.Hash);
                command.Parameters.AddWithValue("$disabled", a.Disabled ? 1 : 0);
                command.Parameters.AddWithValue("$blockedUntil", a.BlockedUntil is { } until ? Format(until) : DBNull.Value);
                command.Parameters.AddWithValue("$created", Format(a.Created));
                command.Parameters.AddWithValue("$passwordChanged", a.PasswordChanged is { } changed ? Format(changed) : DBNull.Value);
            }
            command.ExecuteNonQuery();
            Volatile.Write(ref _lastError, null);
            error = null;
            return true;
        }
        catch (Exception ex) when (ex is SqliteException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            Volatile.Write(ref _lastError, ex.Message);
            Log.WriteFailed(_logger, what, entry?.Account.Name ?? key, DatabasePath, ex.Message);
            error = ex.Message;
            return false;
        }
    }

    // Every time the table is made if missing: cheap, and a file that was replaced (moved away, restored) gets it back.
    private SqliteConnection Open() => StationDatabase.Open(DatabasePath, _connectionString, CreateTable);

    private static string Format(DateTimeOffset at) => at.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    private static DateTimeOffset Parse(string text) =>
        DateTimeOffset.ParseExact(text, TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    private sealed record Entry(HostAccount Account, string Hash);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Host accounts: {Count} read from {Path}.", EventName = "HostAccountsLoaded")]
        public static partial void Loaded(ILogger logger, int count, string path);

        [LoggerMessage(2, LogLevel.Error, "Host accounts: cannot read {Path}; no host can go live until it can, and changes are refused: {Reason}", EventName = "HostAccountsLoadFailed")]
        public static partial void LoadFailed(ILogger logger, string path, string reason);

        [LoggerMessage(3, LogLevel.Error, "Host accounts: cannot {What} {Name}: {Path} cannot be written; nothing changed: {Reason}", EventName = "HostAccountWriteFailed")]
        public static partial void WriteFailed(ILogger logger, string what, string name, string path, string reason);

        [LoggerMessage(4, LogLevel.Information, "Host account {Name} created.", EventName = "HostAccountCreated")]
        public static partial void Created(ILogger logger, string name);

        [LoggerMessage(5, LogLevel.Information, "Host account {Name}: password reset.", EventName = "HostAccountPasswordChanged")]
        public static partial void PasswordChanged(ILogger logger, string name);

        [LoggerMessage(6, LogLevel.Information, "Host account {Name} disabled.", EventName = "HostAccountDisabled")]
        public static partial void Disabled(ILogger logger, string name);

        [LoggerMessage(7, LogLevel.Information, "Host account {Name} enabled.", EventName = "HostAccountEnabled")]
        public static partial void Enabled(ILogger logger, string name);

        [LoggerMessage(8, LogLevel.Information, "Host account {Name} deleted.", EventName = "HostAccountDeleted")]
        public static partial void Deleted(ILogger logger, string name);

        [LoggerMessage(9, LogLevel.Warning, "Host account {Name} blocked until {Until:O}.", EventName = "HostAccountBlocked")]
        public static partial void Blocked(ILogger logger, string name, DateTimeOffset until);

        [LoggerMessage(10, LogLevel.Error, "Host account {Name}: a handler of its revocation ({Reason}) failed; the change stands.", EventName = "HostAccountRevokedHandlerFailed")]
        public static partial void RevokedHandlerFailed(ILogger logger, string name, HostAccountRevocation reason, Exception exception);
    }
}
