using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using RadioServer.Live;
using RadioServer.Operations;
using RadioServer.Tests.Infrastructure;
using RadioServer.Tests.Live;

namespace RadioServer.Tests.Operations;

/// <summary>Live in the operators' views: /api/status's live section by key, Icecast's status for a live source, live rows in the play history.</summary>
public sealed class LiveStatusTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly string _mp3;

    public LiveStatusTests()
    {
        TestAudio.WriteToneWav(_folder.File("Auto - Filler.wav"), 500, 30);
        LiveHost.WriteSchedule(_folder.Path);
        _mp3 = Path.Combine(_folder.Path, "host.mp3");
        TestAudio.WriteToneMp3(_mp3, 1000, 40, channels: 1, bitrateKbps: 64);
    }

    public void Dispose() => _folder.Dispose();

    private static Dictionary<string, string?> Settings(params (string Key, string? Value)[] more) =>
        Operators.Settings([.. LiveHost.Settings().Select(kv => (kv.Key, kv.Value)), .. more]);

    [Fact]
    public async Task StatusAndIcecastStatus_ShowTheLiveSource_ItsAddressAndUserAgentToOperatorsOnly()
    {
        await using var station = await TestStation.StartAsync(_folder.Media, Settings(), services: LiveHost.Accounts(), start: LiveHost.SlotStart.AddSeconds(1));
        await using var source = await TestSource.ConnectAsync(station, _mp3);
        await station.AdvanceLiveAsync(TimeSpan.FromSeconds(2), source);

        // /api/status: the state for everyone, the sources with the host key, their addresses with the operator key.
        async Task<LiveStatus> LiveAsync(string? key)
        {
            using var http = Operators.Http(station, key);
            return (await http.GetFromJsonAsync<StatusReport>("/api/status", Operators.Json))!.Live;
        }
        var anonymous = await LiveAsync(null);
        Assert.Equal(("onAir", true, LiveHost.Name, LiveHost.ShowTitle), (anonymous.State, anonymous.OnAir, anonymous.Host, anonymous.ShowTitle));
        Assert.Empty(anonymous.Sources);
        var host = Assert.Single((await LiveAsync(Operators.HostKey)).Sources);
        Assert.Equal((LiveHost.Name, LiveHost.UserAgent, (string?)null), (host.Account, host.Client, host.Address));
        var full = Assert.Single((await LiveAsync(Operators.OperatorKey)).Sources);
        Assert.Equal(("127.0.0.1", true), (full.Address, full.Heard));

        // Icecast's status: an operator (Icecast's admin view) sees the feeding source's IP and User-Agent, where
        // Icecast's stats put them (sorted by name); the public page has neither, as Icecast's status-json.xsl hides both.
        using (var http = Operators.Http(station))
        {
            var text = await http.GetStringAsync("/status-json.xsl");
            using var json = JsonDocument.Parse(text);
            var mount = json.RootElement.GetProperty("icestats").GetProperty("source");
            Assert.Equal("127.0.0.1", mount.GetProperty("source_ip").GetString());
            Assert.Equal(LiveHost.UserAgent, mount.GetProperty("user_agent").GetString());
            var names = mount.EnumerateObject().Select(p => p.Name).ToList();
            Assert.Equal([.. names.SkipLast(1).Order(StringComparer.Ordinal), "dummy"], names);
        }
        using (var http = Operators.Http(station, key: null))
        {
            using var json = JsonDocument.Parse(await http.GetStringAsync("/status-json.xsl"));
            var mount = json.RootElement.GetProperty("icestats").GetProperty("source");
            Assert.False(mount.TryGetProperty("source_ip", out _));
            Assert.False(mount.TryGetProperty("user_agent", out _));
        }

        // Back to automation: the operator's view has no source_ip any more.
        source.Drop();
        await station.AdvanceLiveAsync(TimeSpan.FromSeconds(10));
        using (var http = Operators.Http(station))
        {
            using var json = JsonDocument.Parse(await http.GetStringAsync("/status-json.xsl"));
            Assert.False(json.RootElement.GetProperty("icestats").GetProperty("source").TryGetProperty("source_ip", out _));
        }
    }

    [Fact]
    public async Task History_MarksTheLiveSegment_InJsonAndCsv()
    {
        await using var station = await TestStation.StartAsync(_folder.Media, Settings(), services: LiveHost.Accounts(), start: LiveHost.SlotStart.AddSeconds(-3));
        await station.AdvanceAsync(TimeSpan.FromSeconds(1));
        await using var source = await TestSource.ConnectAsync(station, _mp3);
        await station.AdvanceLiveAsync(TimeSpan.FromSeconds(5), source); // on air at 12:00:00
        source.Drop();
        await station.AdvanceLiveAsync(TimeSpan.FromSeconds(10)); // automation again

        using var http = Operators.Http(station);
        var result = await http.GetFromJsonAsync<JsonElement>("/api/history?from=2026-11-26&to=2026-11-26", Operators.Json);
        var plays = result.GetProperty("plays").Deserialize<List<HistoryEntry>>(Operators.Json)!;
        Assert.True(plays.Count >= 3, $"{plays.Count} plays");
        var live = Assert.Single(plays, p => p.Live);
        Assert.Equal((LiveHost.ShowTitle, LiveHost.Name, "drive-time", (string?)null), (live.Title, live.Artist, live.ShowId, live.File));
        Assert.InRange(live.StartedAt, LiveHost.SlotStart, LiveHost.SlotStart.AddSeconds(0.25));
        Assert.NotNull(live.EndedAt);
        var before = plays[plays.IndexOf(live) - 1];
        var after = plays[plays.IndexOf(live) + 1];
        Assert.False(before.Live);
        Assert.False(after.Live);
        Assert.Equal("Auto - Filler.wav", before.File);
        Assert.Equal(live.EndedAt, after.StartedAt);

        var csv = (await http.GetStringAsync("/api/history?from=2026-11-26&to=2026-11-26&format=csv")).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.EndsWith(",live", csv[0], StringComparison.Ordinal);
        Assert.Single(csv, line => line.EndsWith(",true", StringComparison.Ordinal) && line.Contains(LiveHost.ShowTitle, StringComparison.Ordinal));
        Assert.Equal(plays.Count - 1, csv.Count(line => line.EndsWith(",false", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task History_OfAnOlderSchema_IsMigrated_ItsPlaysNotLive()
    {
        // A file as the first schema (version 1) wrote it.
        var database = Path.Combine(_folder.Path, "history-v1.db");
        using (var connection = new SqliteConnection($"Data Source={database};Pooling=False"))
        {
            connection.Open();
            using var create = connection.CreateCommand();
            create.CommandText = """
                CREATE TABLE plays (id INTEGER PRIMARY KEY, started_at TEXT NOT NULL, ended_at TEXT, duration_seconds REAL, show_id TEXT,
                    show TEXT NOT NULL, artist TEXT NOT NULL, title TEXT NOT NULL, album TEXT, file TEXT,
                    listeners_start INTEGER NOT NULL, listeners_peak INTEGER NOT NULL);
                CREATE INDEX plays_started_at ON plays (started_at);
                INSERT INTO plays (started_at, ended_at, duration_seconds, show_id, show, artist, title, album, file, listeners_start, listeners_peak)
                VALUES ('2026-11-26T08:00:00.0000000Z', '2026-11-26T08:03:00.0000000Z', 180, NULL, 'Automation', 'Old', 'Song', NULL, 'Old - Song.mp3', 3, 4);
                PRAGMA user_version = 1;
                """;
            create.ExecuteNonQuery();
        }

        await using var station = await TestStation.StartAsync(_folder.Media, Settings(("Radio:DatabasePath", database)), start: LiveHost.SlotStart);
        await station.AdvanceAsync(TimeSpan.FromSeconds(1));
        using var http = Operators.Http(station);
        var result = await http.GetFromJsonAsync<JsonElement>("/api/history?from=2026-11-26&to=2026-11-26", Operators.Json);
        var old = result.GetProperty("plays").Deserialize<List<HistoryEntry>>(Operators.Json)![0];
        Assert.Equal(("Song", "Old - Song.mp3", false), (old.Title, old.File, old.Live));
        Assert.Contains(station.Logs.Entries, e => e.EventId.Name == "HistoryMigrated" && e.Message.Contains("from schema 1 to 3", StringComparison.Ordinal));
    }
}
