using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using RadioServer.Live.Accounts;
using RadioServer.Station;
using RadioServer.Tests.Infrastructure;
using RadioServer.Tests.Operations;

namespace RadioServer.Tests.Live.Accounts;

/// <summary>/api/hosts on the real server: operator key only, every bad input a 400 with its reason, and what it does checked through the accounts live sources verify against.</summary>
public sealed class HostAccountApiTests : IDisposable
{
    // The schedule's hosts: Alex in two shows (spelled two ways), Sam and Jo in one.
    private const string Schedule = """
        { "timeZone": "UTC", "automation": { "playlist": { "items": ["Auto - Filler.wav"] } },
          "shows": [
            { "id": "morning-show", "title": "Morning Show", "hosts": ["Alex Morgan"], "playlist": { "items": ["Auto - Filler.wav"] },
              "slots": [ { "days": ["mon", "tue", "wed", "thu", "fri"], "start": "07:00", "end": "09:00" } ] },
            { "id": "evening-lounge", "title": "Evening Lounge", "hosts": ["Sam Rivera", "Jo Lee", "alex morgan"], "playlist": { "items": ["Auto - Filler.wav"] },
              "slots": [ { "days": ["sat"], "start": "19:00", "end": "22:00" } ] } ] }
        """;

    private readonly TempFolder _folder = new();
    private readonly string _database;

    public HostAccountApiTests()
    {
        TestAudio.WriteToneWav(_folder.File("Auto - Filler.wav"), 440, 2);
        File.WriteAllText(Path.Combine(_folder.Path, "schedule.json"), Schedule);
        _database = Path.Combine(_folder.Path, "station.db");
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _folder.Dispose();
    }

    private Task<TestStation> StartAsync() => TestStation.StartAsync(_folder.Media, Operators.Settings(("Radio:DatabasePath", _database)));

    private static HostAccountStore Accounts(TestStation station) => station.App.Services.GetRequiredService<HostAccountStore>();

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    [Fact]
    public async Task Hosts_RefuseWithoutTheOperatorKey_ChangeNothing_RevealNothing()
    {
        await using var station = await StartAsync();
        Accounts(station).Create("Alex Morgan", "alex-password-1");
        foreach (var (key, expected) in new[] { ((string?)null, HttpStatusCode.Unauthorized), ("wrong-key", HttpStatusCode.Unauthorized), (Operators.HostKey, HttpStatusCode.Forbidden) })
        {
            await AssertRefusedAsync(station, key, expected);
        }
        var store = Accounts(station);
        Assert.Equal(["Alex Morgan"], store.Accounts().Select(a => a.Name));
        var alex = store.Verify("Alex Morgan", "alex-password-1");
        Assert.NotNull(alex);
        Assert.False(alex.Disabled);
    }

    private static async Task AssertRefusedAsync(TestStation station, string? key, HttpStatusCode expected)
    {
        using var http = Operators.Http(station, key);
        var requests = new Func<HttpRequestMessage>[]
        {
            () => new(HttpMethod.Get, "/api/hosts"),
            () => new(HttpMethod.Post, "/api/hosts") { Content = Json("""{"name":"Intruder"}""") },
            () => new(HttpMethod.Post, "/api/hosts/Alex%20Morgan/password") { Content = Json("""{"password":"taken-over-1"}""") },
            () => new(HttpMethod.Post, "/api/hosts/Alex%20Morgan/disable"),
            () => new(HttpMethod.Post, "/api/hosts/Alex%20Morgan/enable"),
            () => new(HttpMethod.Delete, "/api/hosts/Alex%20Morgan"),
        };
        foreach (var make in requests)
        {
            using var request = make();
            using var response = await http.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == expected, $"{request.Method} {request.RequestUri} with key '{key}': {(int)response.StatusCode} {body}");
            Assert.DoesNotContain("Alex", body, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("Sam Rivera", body, StringComparison.Ordinal);
        }
    }

    /// <summary>Each bad body and the reason its 400 must give (one station for all: each is a request of its own).</summary>
    private static readonly (string Body, string Reason)[] s_badBodies =
    [
        ("""{"name":""}""", "name is required"),
        ("""{"name":"   ","password":"long-enough-1"}""", "name is required"),
        ("""{"password":"long-enough-1"}""", "name is required"),
        ("""{"name":"Al\u0007ex"}""", "control characters"),
        ("""{"name":"Alex\u2028Morgan"}""", "control characters"),
        ("""{"name":"Alex:Morgan"}""", "may not contain ':'"),
        ("""{"name":"SOURCE"}""", "master source"),
        ("""{"name":"Alex Morgan","password":"short"}""", "8 to 256 characters long, not 5"),
        ("""{"name":"Alex Morgan","password":""}""", "8 to 256 characters long, not 0"),
        ("""{"name":"Alex Morgan","password":"long-enough\u0000"}""", "control characters"),
        ("""{"name":"Alex Morgan","password":12345678}""", "must be a JSON object"),
        ("""{"name":5}""", "must be a JSON object"),
        ("""["Alex Morgan"]""", "must be a JSON object"),
        ("""Alex Morgan""", "must be a JSON object"),
        ("""null""", "not null"),
        ("", "A body is required"),
    ];

    [Fact]
    public async Task Create_BadInput_Is400WithTheReason_AndCreatesNothing()
    {
        await using var station = await StartAsync();
        using var http = Operators.Http(station);
        foreach (var (body, reason) in s_badBodies)
        {
            using var response = await http.PostAsync("/api/hosts", Json(body));
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{body}: {(int)response.StatusCode} {text}");
            Assert.True(text.Contains(reason, StringComparison.Ordinal), $"{body}: the answer does not say '{reason}': {text}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.DoesNotContain("long-enough", text, StringComparison.Ordinal); // a password is never echoed
        }
        Assert.Empty(Accounts(station).Accounts());
    }

    [Fact]
    public async Task Create_TooLongNameOrPasswordOrBody_IsRefusedWithTheReason()
    {
        await using var station = await StartAsync();
        using var http = Operators.Http(station);
        using (var longName = await http.PostAsync("/api/hosts", Json($$"""{"name":"{{new string('a', 101)}}"}""")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, longName.StatusCode);
            Assert.Contains("at most 100 characters long, not 101", await longName.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        using (var longPassword = await http.PostAsync("/api/hosts", Json($$"""{"name":"Alex Morgan","password":"{{new string('p', 257)}}"}""")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, longPassword.StatusCode);
            Assert.Contains("not 257", await longPassword.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        using (var longBody = await http.PostAsync("/api/hosts", Json($$"""{"name":"Alex Morgan","note":"{{new string('x', 5000)}}"}""")))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, longBody.StatusCode);
            Assert.Contains("at most 4096 bytes", await longBody.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        // The longest name and password allowed are taken.
        using var longest = await http.PostAsync("/api/hosts", Json($$"""{"name":"{{new string('a', 100)}}","password":"{{new string('p', 256)}}"}"""));
        Assert.Equal(HttpStatusCode.Created, longest.StatusCode);
        Assert.NotNull(Accounts(station).Verify(new string('A', 100), new string('p', 256)));
    }

    [Fact]
    public async Task Create_WithoutPassword_GeneratesOne_ShownOnce_ThatVerifies()
    {
        await using var station = await StartAsync();
        using var http = Operators.Http(station);

        using var response = await http.PostAsync("/api/hosts", Json("""{"name":"  Alex Morgan "}"""));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("/api/hosts/Alex%20Morgan", response.Headers.Location?.OriginalString);
        Assert.True(response.Headers.CacheControl?.NoStore);
        var created = await JsonAsync(response);
        var account = created.GetProperty("account");
        Assert.Equal("Alex Morgan", account.GetProperty("name").GetString());
        Assert.False(account.GetProperty("disabled").GetBoolean());
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero), account.GetProperty("created").GetDateTimeOffset());
        Assert.Equal(["morning-show", "evening-lounge"], account.GetProperty("shows").EnumerateArray().Select(s => s.GetProperty("id").GetString()));
        var password = created.GetProperty("generatedPassword").GetString()!;
        Assert.True(password.Replace("-", "", StringComparison.Ordinal).Length >= 20, password);
        Assert.All(password, c => Assert.Contains(c, "abcdefghjkmnpqrstuvwxyz23456789-"));

        Assert.Equal("Alex Morgan", Accounts(station).Verify("alex morgan", password)?.Name);
        // Once: neither the list nor the log has it.
        var list = await http.GetStringAsync("/api/hosts");
        Assert.Contains("Alex Morgan", list, StringComparison.Ordinal);
        Assert.DoesNotContain(password, list, StringComparison.Ordinal);
        Assert.DoesNotContain(station.Logs.Entries, e => e.Message.Contains(password, StringComparison.Ordinal));
        Assert.Contains(station.Logs.Entries, e => e.EventId.Name == "HostAccountCreated");

        // Another is made for the next account.
        using var second = await http.PostAsync("/api/hosts", Json("""{"name":"Sam Rivera"}"""));
        Assert.NotEqual(password, (await JsonAsync(second)).GetProperty("generatedPassword").GetString());
    }

    [Fact]
    public async Task Create_WithPassword_UsesIt_AndDoesNotEchoIt_ADuplicateIs409()
    {
        await using var station = await StartAsync();
        using var http = Operators.Http(station);

        using var response = await http.PostAsync("/api/hosts", Json("""{"name":"Alex Morgan","password":"my own password"}"""));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("my own password", text, StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, JsonDocument.Parse(text).RootElement.GetProperty("generatedPassword").ValueKind);
        Assert.NotNull(Accounts(station).Verify("Alex Morgan", "my own password"));

        using var duplicate = await http.PostAsync("/api/hosts", Json("""{"name":"ALEX MORGAN","password":"another password"}"""));
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        Assert.Contains("An account named 'Alex Morgan' exists", await duplicate.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.NotNull(Accounts(station).Verify("Alex Morgan", "my own password")); // unchanged
        Assert.Null(Accounts(station).Verify("Alex Morgan", "another password"));
    }

    [Fact]
    public async Task ResetPassword_OldStopsWorking_NewWorks_GeneratedOrGiven_NameFromTheUrlDecoded()
    {
        await using var station = await StartAsync();
        var store = Accounts(station);
        store.Create("Alex Morgan", "first-password");
        using var http = Operators.Http(station);
        station.Time!.Advance(TimeSpan.FromMinutes(3));

        using (var reset = await http.PostAsync("/api/hosts/alex%20MORGAN/password", null))
        {
            Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
            var body = await JsonAsync(reset);
            var generated = body.GetProperty("generatedPassword").GetString()!;
            Assert.Equal(new DateTimeOffset(2026, 11, 26, 12, 3, 0, TimeSpan.Zero), body.GetProperty("account").GetProperty("passwordChanged").GetDateTimeOffset());
            Assert.Null(store.Verify("Alex Morgan", "first-password"));
            Assert.NotNull(store.Verify("Alex Morgan", generated));
        }
        using (var given = await http.PostAsync("/api/hosts/Alex%20Morgan/password", Json("""{"password":"second-password"}""")))
        {
            Assert.Equal(HttpStatusCode.OK, given.StatusCode);
            Assert.Equal(JsonValueKind.Null, (await JsonAsync(given)).GetProperty("generatedPassword").ValueKind);
            Assert.NotNull(store.Verify("Alex Morgan", "second-password"));
        }
        using (var tooShort = await http.PostAsync("/api/hosts/Alex%20Morgan/password", Json("""{"password":"short"}""")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, tooShort.StatusCode);
            Assert.Contains("8 to 256", await tooShort.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        using (var unknown = await http.PostAsync("/api/hosts/Nobody/password", null))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
            Assert.Contains("no account named 'Nobody'", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        using (var badName = await http.PostAsync("/api/hosts/Alex%3AMorgan/password", null))
        {
            Assert.Equal(HttpStatusCode.BadRequest, badName.StatusCode);
            Assert.Contains("may not contain ':'", await badName.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        Assert.NotNull(store.Verify("Alex Morgan", "second-password"));
    }

    [Fact]
    public async Task DisableEnableDelete_ChangeTheAccount_TheListShowsIt()
    {
        await using var station = await StartAsync();
        var store = Accounts(station);
        store.Create("Alex Morgan", "alex-password-1");
        store.Create("AC/DC", "acdc-password-1"); // a slash: %2F in the URL
        using var http = Operators.Http(station);

        using (var disable = await http.PostAsync("/api/hosts/alex%20morgan/disable", null))
        {
            Assert.Equal(HttpStatusCode.OK, disable.StatusCode);
            Assert.True((await JsonAsync(disable)).GetProperty("disabled").GetBoolean());
        }
        Assert.True(store.Verify("Alex Morgan", "alex-password-1")?.Disabled);
        var list = await http.GetFromJsonAsync<JsonElement>("/api/hosts", Operators.Json);
        Assert.True(list.GetProperty("accounts").EnumerateArray().Single(a => a.GetProperty("name").GetString() == "Alex Morgan").GetProperty("disabled").GetBoolean());

        using (var enable = await http.PostAsync("/api/hosts/Alex%20Morgan/enable", null))
        {
            Assert.Equal(HttpStatusCode.OK, enable.StatusCode);
            Assert.False((await JsonAsync(enable)).GetProperty("disabled").GetBoolean());
        }
        Assert.False(store.Verify("Alex Morgan", "alex-password-1")?.Disabled);

        using (var slash = await http.PostAsync("/api/hosts/ac%2Fdc/disable", null))
        {
            Assert.Equal(HttpStatusCode.OK, slash.StatusCode);
        }
        Assert.True(store.Verify("AC/DC", "acdc-password-1")?.Disabled);

        using (var delete = await http.DeleteAsync("/api/hosts/ALEX%20MORGAN"))
        {
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        }
        Assert.Null(store.Verify("Alex Morgan", "alex-password-1"));
        using (var again = await http.DeleteAsync("/api/hosts/Alex%20Morgan"))
        {
            Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        }
        using (var unknown = await http.PostAsync("/api/hosts/Nobody/enable", null))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }
        list = await http.GetFromJsonAsync<JsonElement>("/api/hosts", Operators.Json);
        Assert.Equal(["AC/DC"], list.GetProperty("accounts").EnumerateArray().Select(a => a.GetProperty("name").GetString()));
        Assert.Contains("Alex Morgan", list.GetProperty("withoutAccount").EnumerateArray().Select(h => h.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task List_ShowsTheAccountsWithTheirShows_AndTheScheduleNamesWithoutAnAccount()
    {
        await using var station = await StartAsync();
        using var http = Operators.Http(station);

        var before = await http.GetFromJsonAsync<JsonElement>("/api/hosts", Operators.Json);
        Assert.Empty(before.GetProperty("accounts").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, before.GetProperty("storeError").ValueKind);
        var without = before.GetProperty("withoutAccount").EnumerateArray().ToList();
        Assert.Equal(["Alex Morgan", "Jo Lee", "Sam Rivera"], without.Select(h => h.GetProperty("name").GetString()));
        Assert.Equal(["Morning Show", "Evening Lounge"], without[0].GetProperty("shows").EnumerateArray().Select(s => s.GetProperty("title").GetString()));
        Assert.Equal(["evening-lounge"], without[1].GetProperty("shows").EnumerateArray().Select(s => s.GetProperty("id").GetString()));

        (await http.PostAsync("/api/hosts", Json("""{"name":"alex morgan"}"""))).Dispose();
        (await http.PostAsync("/api/hosts", Json("""{"name":"Guest Host"}"""))).Dispose();
        Accounts(station).Block("Guest Host", station.Time!.GetUtcNow().AddMinutes(5));

        var after = await http.GetFromJsonAsync<JsonElement>("/api/hosts", Operators.Json);
        var accounts = after.GetProperty("accounts").EnumerateArray().ToList();
        Assert.Equal(["alex morgan", "Guest Host"], accounts.Select(a => a.GetProperty("name").GetString()));
        Assert.Equal(["morning-show", "evening-lounge"], accounts[0].GetProperty("shows").EnumerateArray().Select(s => s.GetProperty("id").GetString()));
        Assert.Empty(accounts[1].GetProperty("shows").EnumerateArray()); // in no show
        Assert.True(accounts[1].GetProperty("blocked").GetBoolean());
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 12, 5, 0, TimeSpan.Zero), accounts[1].GetProperty("blockedUntil").GetDateTimeOffset());
        Assert.False(accounts[0].GetProperty("blocked").GetBoolean());
        Assert.Equal(["Jo Lee", "Sam Rivera"], after.GetProperty("withoutAccount").EnumerateArray().Select(h => h.GetProperty("name").GetString()));

        station.Time!.Advance(TimeSpan.FromMinutes(6)); // the block is over
        var later = await http.GetFromJsonAsync<JsonElement>("/api/hosts", Operators.Json);
        Assert.False(later.GetProperty("accounts")[1].GetProperty("blocked").GetBoolean());
    }

    [Fact]
    public async Task UnwritableDatabase_Is503WithTheReason_TheAccountsKeepWorking()
    {
        await using var station = await StartAsync();
        var store = Accounts(station);
        store.Create("Alex Morgan", "alex-password-1");
        using var http = Operators.Http(station);
        File.WriteAllText(_database, "not an SQLite database any more\n" + new string('x', 5000));

        using (var create = await http.PostAsync("/api/hosts", Json("""{"name":"Sam Rivera"}""")))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, create.StatusCode);
            var text = await create.Content.ReadAsStringAsync();
            Assert.Contains("cannot be written", text, StringComparison.Ordinal);
            Assert.Contains("not a database", text, StringComparison.OrdinalIgnoreCase);
        }
        using (var disable = await http.PostAsync("/api/hosts/Alex%20Morgan/disable", null))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, disable.StatusCode);
        }
        var list = await http.GetFromJsonAsync<JsonElement>("/api/hosts", Operators.Json);
        Assert.Contains("not a database", list.GetProperty("storeError").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(["Alex Morgan"], list.GetProperty("accounts").EnumerateArray().Select(a => a.GetProperty("name").GetString()));
        var alex = store.Verify("Alex Morgan", "alex-password-1");
        Assert.NotNull(alex);
        Assert.False(alex.Disabled);
    }

    [Fact]
    public async Task ALiveSource_GoesOnWithTheAccountsPassword_NotWithTheOneBeforeAReset()
    {
        // Alex's show is on now (the station starts at 12:00 UTC): the live sources check the real store.
        File.WriteAllText(Path.Combine(_folder.Path, "schedule.json"), """
            { "timeZone": "UTC", "automation": { "playlist": { "items": ["Auto - Filler.wav"] } },
              "shows": [ { "id": "morning-show", "title": "Morning Show", "hosts": ["Alex Morgan"], "playlist": { "items": ["Auto - Filler.wav"] },
                           "slots": [ { "date": "2026-11-26", "start": "11:55", "end": "13:00" } ] } ] }
            """);
        await using var station = await TestStation.StartAsync(_folder.Media, Operators.Settings(("Radio:DatabasePath", _database), ("Radio:Live:MasterPassword", "master-password-1")));
        using var http = Operators.Http(station);
        using var created = await http.PostAsync("/api/hosts", Json("""{"name":"Alex Morgan"}"""));
        var first = (await JsonAsync(created)).GetProperty("generatedPassword").GetString()!;
        using var reset = await http.PostAsync("/api/hosts/Alex%20Morgan/password", null);
        var second = (await JsonAsync(reset)).GetProperty("generatedPassword").GetString()!;

        using (var old = await SourceClient.ConnectAsync(station, "Alex Morgan", first))
        {
            Assert.False(old.Accepted, old.Answer);
            Assert.Contains(" 401 Unauthorized", old.Answer, StringComparison.Ordinal);
        }
        using var source = await SourceClient.ConnectAsync(station, "alex morgan", second);
        Assert.True(source.Accepted, source.Answer);
    }

    [Fact]
    public async Task SharedDatabase_AccountsFromBeforeTheStart_AndThePlayHistory_BothWork()
    {
        // A file the accounts made first (user_version 0): the play history migrates it as a new one.
        var paths = new StationPaths(Options.Create(new RadioOptions { RootPath = _folder.Path, DatabasePath = _database }));
        new HostAccountStore(paths, new FakeTimeProvider(), NullLogger<HostAccountStore>.Instance).Create("Alex Morgan", "alex-password-1");

        await using var station = await StartAsync();
        await station.AdvanceAsync(TimeSpan.FromSeconds(3)); // the first item ends and is written
        using var http = Operators.Http(station);
        var list = await http.GetFromJsonAsync<JsonElement>("/api/hosts", Operators.Json);
        Assert.Equal(["Alex Morgan"], list.GetProperty("accounts").EnumerateArray().Select(a => a.GetProperty("name").GetString()));
        Assert.NotNull(Accounts(station).Verify("Alex Morgan", "alex-password-1"));
        using var history = await http.GetAsync("/api/history");
        Assert.Equal(HttpStatusCode.OK, history.StatusCode);
        Assert.True((await JsonAsync(history)).GetProperty("count").GetInt32() >= 1);
        Assert.DoesNotContain(station.Logs.Entries, e => e.EventId.Name is "HistoryWriteFailed" or "HostAccountsLoadFailed");
    }
}
