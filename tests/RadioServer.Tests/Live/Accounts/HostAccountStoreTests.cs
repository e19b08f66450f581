using System.Diagnostics;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using RadioServer.Live.Accounts;
using RadioServer.Station;
using RadioServer.Tests.Infrastructure;

namespace RadioServer.Tests.Live.Accounts;

/// <summary>The host accounts on a real SQLite file: hashed, cached, case-insensitive, surviving a restart.</summary>
public sealed class HostAccountStoreTests : IDisposable
{
    private const string Password = "Harbour-Lights-7734";

    private static readonly DateTimeOffset s_start = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    private readonly TempFolder _folder = new();
    private readonly FakeTimeProvider _time = new(s_start);
    private readonly ListLoggerProvider _logs = new();
    private readonly string _database;

    public HostAccountStoreTests() => _database = Path.Combine(_folder.Path, "station.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _folder.Dispose();
    }

    private HostAccountStore NewStore()
    {
        var paths = new StationPaths(Options.Create(new RadioOptions { RootPath = _folder.Path, DatabasePath = _database }));
        using var factory = LoggerFactory.Create(b => b.AddProvider(_logs).SetMinimumLevel(LogLevel.Debug));
        return new HostAccountStore(paths, _time, factory.CreateLogger<HostAccountStore>());
    }

    /// <summary>The database and its WAL and shared-memory files, as bytes: what is on disk, wherever SQLite put it.</summary>
    private byte[] FileBytes() =>
        [.. new[] { _database, _database + "-wal", _database + "-shm" }.Where(File.Exists).SelectMany(f =>
        {
            using var stream = new FileStream(f, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        })];

    [Fact]
    public void Create_KeepsOnlyAHash_ThePasswordIsNowhereInTheFileOrTheLog()
    {
        var store = NewStore();
        Assert.Equal(HostAccountOutcome.Done, store.Create("Alex Morgan", Password).Outcome);
        Assert.Equal(HostAccountOutcome.Done, store.SetPassword("Alex Morgan", Password + "-new").Outcome);

        var bytes = FileBytes();
        // The file is read for real: the name is in it.
        Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes("Alex Morgan")) >= 0, "the account's row is not in the file's bytes");
        foreach (var secret in new[] { Password, Password + "-new" })
        {
            Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret)) < 0, "the password is in the database as UTF-8");
            Assert.True(bytes.AsSpan().IndexOf(Encoding.Unicode.GetBytes(secret)) < 0, "the password is in the database as UTF-16");
            Assert.DoesNotContain(_logs.Entries, e => e.Message.Contains(secret, StringComparison.Ordinal));
        }
        using var connection = new SqliteConnection($"Data Source={_database};Pooling=False");
        connection.Open();
        using var select = connection.CreateCommand();
        select.CommandText = "SELECT password_hash FROM host_accounts";
        var hash = (string)select.ExecuteScalar()!;
        Assert.StartsWith("AQAAAA", hash, StringComparison.Ordinal); // Identity's v3 format: PBKDF2, salt and subkey, base64
    }

    [Fact]
    public void Verify_RightPassword_GivesTheAccount_WrongOrUnknown_GiveNull_NamesMatchWithoutCase()
    {
        var store = NewStore();
        store.Create("  Alex Morgan ", Password);

        var account = store.Verify("Alex Morgan", Password);
        Assert.NotNull(account);
        Assert.Equal("Alex Morgan", account.Name); // stored trimmed, as spelled
        Assert.False(account.Disabled);
        Assert.Null(account.BlockedUntil);
        Assert.Equal(s_start, account.Created);
        Assert.Null(account.PasswordChanged);
        Assert.Equal("Alex Morgan", store.Verify("alex morgan", Password)?.Name);
        Assert.Equal("Alex Morgan", store.Verify(" ALEX MORGAN\t", Password)?.Name);

        Assert.Null(store.Verify("Alex Morgan", Password.ToUpperInvariant())); // passwords match exactly
        Assert.Null(store.Verify("Alex Morgan", ""));
        Assert.Null(store.Verify("Sam Rivera", Password));
        Assert.Null(store.Verify("", Password));
        Assert.Equal(HostAccountOutcome.Exists, store.Create("ALEX MORGAN", "another-password").Outcome);
    }

    [Fact]
    public void Verify_UnknownName_CostsAWrongPasswordsWork()
    {
        var store = NewStore();
        store.Create("Alex Morgan", Password);
        store.Verify("Alex Morgan", "warm-up-wrong");

        // PBKDF2 is ~0.1 s here; a lookup that skipped it would take microseconds. Wall time on a shared machine,
        // so the fastest of a few each, compared with a wide margin.
        var wrong = Fastest(() => store.Verify("Alex Morgan", "wrong-password"));
        var unknown = Fastest(() => store.Verify("Nobody Known", "wrong-password"));
        Assert.True(unknown >= wrong / 4, $"an unknown name took {unknown.TotalMilliseconds:0.###} ms, a wrong password {wrong.TotalMilliseconds:0.###} ms");

        static TimeSpan Fastest(Func<HostAccount?> check)
        {
            var best = TimeSpan.MaxValue;
            for (var i = 0; i < 3; i++)
            {
                var started = Stopwatch.GetTimestamp();
                Assert.Null(check());
                var took = Stopwatch.GetElapsedTime(started);
                best = took < best ? took : best;
            }
            return best;
        }
    }

    [Fact]
    public void Disabled_StillVerifies_AndSaysDisabled_EnableClearsItAndABlock()
    {
        var store = NewStore();
        store.Create("Alex Morgan", Password);
        var revoked = new List<HostAccountRevoked>();
        store.Revoked += revoked.Add;

        Assert.Equal(HostAccountOutcome.Done, store.SetDisabled("alex morgan", true).Outcome);
        Assert.True(store.Verify("Alex Morgan", Password)?.Disabled);
        Assert.Null(store.Verify("Alex Morgan", "wrong-password"));
        Assert.Equal(HostAccountRevocation.Disabled, Assert.Single(revoked).Reason);
        Assert.Equal(HostAccountOutcome.Done, store.SetDisabled("Alex Morgan", true).Outcome); // already: no second event
        Assert.Single(revoked);

        store.Block("Alex Morgan", s_start.AddMinutes(30));
        Assert.Equal(HostAccountOutcome.Done, store.SetDisabled("Alex Morgan", false).Outcome);
        var enabled = store.Verify("Alex Morgan", Password);
        Assert.False(enabled?.Disabled);
        Assert.Null(enabled?.BlockedUntil);
        Assert.Equal(HostAccountOutcome.NotFound, store.SetDisabled("Sam Rivera", true).Outcome);
    }

    [Fact]
    public void Block_SetsBlockedUntil_RaisesRevoked_AndIsSaved()
    {
        var store = NewStore();
        store.Create("Alex Morgan", Password);
        var revoked = new List<HostAccountRevoked>();
        store.Revoked += revoked.Add;
        var until = s_start.AddMinutes(10);

        store.Block("ALEX MORGAN", until);
        store.Block("Nobody Known", until); // nothing to block: no event

        Assert.Equal(until, store.Verify("Alex Morgan", Password)?.BlockedUntil);
        var one = Assert.Single(revoked);
        Assert.Equal(HostAccountRevocation.Blocked, one.Reason);
        Assert.Equal(until, one.Account.BlockedUntil);
        Assert.Equal(until, NewStore().Find("Alex Morgan")?.BlockedUntil);
    }

    [Fact]
    public void Accounts_SurviveARestart_WithEveryField()
    {
        var first = NewStore();
        first.Create("Alex Morgan", Password);
        first.Create("Sam Rivera", "sam-password-1");
        first.Create("Jo Lee", "jo-password-1");
        _time.Advance(TimeSpan.FromHours(1));
        first.SetPassword("Sam Rivera", "sam-password-2");
        first.SetDisabled("Jo Lee", true);

        var second = NewStore(); // a new process on the same file
        Assert.Equal(["Alex Morgan", "Jo Lee", "Sam Rivera"], second.Accounts().Select(a => a.Name));
        Assert.Equal(s_start, second.Verify("Alex Morgan", Password)?.Created);
        var sam = second.Verify("sam rivera", "sam-password-2");
        Assert.Equal(s_start.AddHours(1), sam?.PasswordChanged);
        Assert.Null(second.Verify("Sam Rivera", "sam-password-1"));
        Assert.True(second.Verify("Jo Lee", "jo-password-1")?.Disabled);
        Assert.Null(second.LastError);
    }

    [Fact]
    public void Delete_RemovesTheAccount_ForGood()
    {
        var store = NewStore();
        store.Create("Alex Morgan", Password);
        var revoked = new List<HostAccountRevoked>();
        store.Revoked += revoked.Add;

        Assert.Equal(HostAccountOutcome.Done, store.Delete("alex morgan").Outcome);
        Assert.Null(store.Verify("Alex Morgan", Password));
        Assert.Equal(HostAccountRevocation.Deleted, Assert.Single(revoked).Reason);
        Assert.Equal(HostAccountOutcome.NotFound, store.Delete("Alex Morgan").Outcome);
        Assert.Empty(NewStore().Accounts());
    }

    [Fact]
    public void PasswordReset_OldOneFails_NewOneWorks_RaisesRevoked()
    {
        var store = NewStore();
        store.Create("Alex Morgan", Password);
        var revoked = new List<HostAccountRevoked>();
        store.Revoked += revoked.Add;
        _time.Advance(TimeSpan.FromMinutes(5));

        Assert.Equal(HostAccountOutcome.Done, store.SetPassword("ALEX morgan", "a-new-password").Outcome);
        Assert.Null(store.Verify("Alex Morgan", Password));
        Assert.Equal(s_start.AddMinutes(5), store.Verify("Alex Morgan", "a-new-password")?.PasswordChanged);
        Assert.Equal(HostAccountRevocation.PasswordChanged, Assert.Single(revoked).Reason);
    }

    [Fact]
    public void UnwritableDatabase_ChangesRefusedWithTheReason_TheCachedAccountsKeepWorking()
    {
        var store = NewStore();
        store.Create("Alex Morgan", Password);
        SqliteConnection.ClearAllPools();
        File.WriteAllText(_database, "not an SQLite database any more\n" + new string('x', 5000));

        var create = store.Create("Sam Rivera", "sam-password-1");
        Assert.Equal(HostAccountOutcome.Unavailable, create.Outcome);
        Assert.Contains("not a database", create.Error, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HostAccountOutcome.Unavailable, store.SetDisabled("Alex Morgan", true).Outcome);
        Assert.Equal(HostAccountOutcome.Unavailable, store.Delete("Alex Morgan").Outcome);
        Assert.NotNull(store.LastError);

        var alex = store.Verify("Alex Morgan", Password); // from memory, as it was
        Assert.NotNull(alex);
        Assert.False(alex.Disabled);
        Assert.Null(store.Verify("Sam Rivera", "sam-password-1"));
        Assert.Contains(_logs.Entries, e => e.EventId.Name == "HostAccountWriteFailed");

        // A block must hold even so (an operator just ended the source).
        store.Block("Alex Morgan", s_start.AddMinutes(1));
        Assert.Equal(s_start.AddMinutes(1), store.Verify("Alex Morgan", Password)?.BlockedUntil);
    }

    [Fact]
    public void UnreadableDatabaseAtStart_NoAccounts_ChangesRefused_UntilItCanBeRead()
    {
        File.WriteAllText(_database, "not an SQLite database\n" + new string('x', 5000));
        var store = NewStore();
        Assert.Empty(store.Accounts());
        Assert.Contains("not a database", store.LastError, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HostAccountOutcome.Unavailable, store.Create("Alex Morgan", Password).Outcome);
        Assert.Contains(_logs.Entries, e => e.EventId.Name == "HostAccountsLoadFailed");

        File.Delete(_database); // the operator moves the broken file away
        Assert.Null(store.Refresh());
        Assert.Equal(HostAccountOutcome.Done, store.Create("Alex Morgan", Password).Outcome);
        Assert.NotNull(store.Verify("Alex Morgan", Password));
    }

    [Fact]
    public void SharedFile_PlayHistorysSchemaVersionIsLeftAlone()
    {
        var store = NewStore();
        store.Create("Alex Morgan", Password);
        using var connection = new SqliteConnection($"Data Source={_database};Pooling=False");
        connection.Open();
        using var version = connection.CreateCommand();
        version.CommandText = "PRAGMA user_version";
        Assert.Equal(0L, (long)version.ExecuteScalar()!); // PlayHistory migrates from 0 as on a new file
    }
}
