using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using RadioServer.Operations;
using RadioServer.Tests.Infrastructure;

namespace RadioServer.Tests.Operations;

/// <summary>The play history in SQLite: what is recorded, across a restart, as JSON and CSV, and a broken database file.</summary>
public sealed class PlayHistoryTests : IDisposable
{
    private static readonly DateTimeOffset s_start = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
    private readonly TempFolder _folder = new();
    private readonly string _database;

    public PlayHistoryTests()
    {
        TestAudio.WriteToneWav(_folder.File("01 Smith, Jones - First Song.wav"), 500, 2);
        TestAudio.WriteToneWav(_folder.File("02 Beta - Two.wav"), 700, 2);
        // Thursday 12:00-14:00 UTC: "Lunch Beats".
        File.WriteAllText(Path.Combine(_folder.Path, "schedule.json"), """
            { "timeZone": "UTC", "automation": { "title": "Automation", "playlist": { "items": ["."] } },
              "shows": [ { "id": "lunch", "title": "Lunch Beats", "hosts": ["Kim"], "playlist": { "items": ["."] },
                           "slots": [ { "days": ["thu"], "start": "12:00", "end": "14:00" } ] } ] }
            """);
        _database = Path.Combine(_folder.Path, "history.db");
    }

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task History_RecordsEveryItem_AndSurvivesARestart()
    {
        var settings = Operators.Settings(("Radio:DatabasePath", _database));
        await using (var station = await TestStation.StartAsync(_folder.Media, settings, start: s_start))
        {
            await station.AdvanceAsync(TimeSpan.FromSeconds(0.5));
            await using var listener = await StreamClient.ConnectAsync(station.Url("/stream"));
            await station.AdvanceAsync(TimeSpan.FromSeconds(4.5)); // 2 s + 2 s + the third item under way
        }

        await using var again = await TestStation.StartAsync(_folder.Media, settings, start: s_start.AddHours(1));
        await again.AdvanceAsync(TimeSpan.FromSeconds(1));
        using var http = Operators.Http(again);
        var result = await http.GetFromJsonAsync<JsonElement>("/api/history?from=2026-11-26&to=2026-11-26", Operators.Json);
        var plays = result.GetProperty("plays").Deserialize<List<HistoryEntry>>(Operators.Json)!;
        // Three from the first run (the last ended when it stopped), one on air now.
        Assert.True(plays.Count >= 4, $"{plays.Count} plays");
        var first = plays[0];
        Assert.InRange(first.StartedAt, s_start, s_start.AddSeconds(0.25)); // when its first chunk went out
        Assert.Equal("Smith, Jones", first.Artist);
        Assert.Equal("First Song", first.Title);
        Assert.Equal("01 Smith, Jones - First Song.wav", first.File);
        Assert.Equal("lunch", first.ShowId);
        Assert.Equal("Lunch Beats", first.Show);
        Assert.NotNull(first.EndedAt);
        Assert.InRange(first.DurationSeconds!.Value, 1.9, 2.2);
        Assert.Equal(0, first.ListenersAtStart); // the item was on air before the listener came
        Assert.Equal(1, first.ListenersPeak);
        Assert.Equal("Two", plays[1].Title);
        Assert.Equal(1, plays[1].ListenersAtStart);
        Assert.Equal(plays[0].EndedAt, plays[1].StartedAt);
        Assert.InRange(plays[^1].StartedAt, s_start.AddHours(1), s_start.AddHours(1).AddSeconds(0.25)); // the second run's first item
        Assert.Null(plays[^1].EndedAt);

        var csv = await http.GetStringAsync("/api/history?from=2026-11-26T12:00:00Z&to=2026-11-26T12:00:03Z&format=csv");
        var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("started_at_utc,ended_at_utc,duration_seconds,show,artist,title,album,file,listeners_at_start,listeners_peak,loudness_lufs,true_peak_dbtp,live", lines[0]);
        Assert.Equal(3, lines.Length); // header + the two items that started in [12:00:00, 12:00:03)
        Assert.Matches("""^2026-11-26T12:00:00Z,2026-11-26T12:00:02Z,(1\.9|2)[0-9.]*,Lunch Beats,"Smith, Jones",First Song,,"01 Smith, Jones - First Song.wav",0,1,-[0-9]+\.[0-9],-[0-9]+\.[0-9],false$""", lines[1]);
    }

    [Theory]
    [InlineData("from=yesterday", "'from' must be an ISO 8601")]
    [InlineData("to=2026-13-45", "'to' must be an ISO 8601")]
    [InlineData("from=2026-11-28&to=2026-11-26", "is after 'to'")]
    [InlineData("from=2020-01-01&to=2026-11-26", "at most 400 days")]
    [InlineData("format=xml", "format must be json or csv")]
    [InlineData("to=9999-12-31", "'to' must lie between")]
    [InlineData("from=0001-01-01T00:00:00Z", "'from' must lie between")]
    [InlineData("from=0001-01-01&to=0001-01-01", "'to' must lie between")]
    public async Task History_RefusesBadParameters_WithTheReason(string query, string reason)
    {
        await using var station = await TestStation.StartAsync(_folder.Media, Operators.Settings(("Radio:DatabasePath", _database)), start: s_start);
        using var http = Operators.Http(station);
        using var response = await http.GetAsync($"/api/history?{query}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(reason, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CorruptDatabase_StationStaysOnAir_FailureReported_WritesRetriedUntilItWorks()
    {
        File.WriteAllText(_database, "this is not an SQLite database, it is a text file that took its place\n" + new string('x', 5000));
        await using var station = await TestStation.StartAsync(_folder.Media, Operators.Settings(("Radio:DatabasePath", _database)), start: s_start);
        var history = station.App.Services.GetRequiredService<PlayHistory>();
        var recovered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        history.HealthChanged += (failing, _) =>
        {
            if (!failing)
            {
                recovered.TrySetResult();
            }
        };
        await using var listener = await StreamClient.ConnectAsync(station.Url("/stream"));
        await station.AdvanceAsync(TimeSpan.FromSeconds(5));
        await listener.WaitForAudioAsync(60_000); // on air all along

        var status = await Operators.StatusAsync(station);
        Assert.False(status.History.Healthy);
        Assert.Contains("not a database", status.History.LastError, StringComparison.OrdinalIgnoreCase);
        Assert.True(status.History.WriteErrors >= 1);
        Assert.True(status.History.Pending >= 2, $"{status.History.Pending} plays waiting");
        Assert.Contains(status.Alarms, a => a.Kind == "history" && a.Active);
        Assert.Contains(station.Logs.Entries, e => e.EventId.Name == "HistoryWriteFailed");
        using var http = Operators.Http(station, key: null);
        Assert.Contains("radio_history_write_errors_total ", await http.GetStringAsync("/metrics"), StringComparison.Ordinal);
        Assert.DoesNotContain("radio_history_write_errors_total 0", await http.GetStringAsync("/metrics"), StringComparison.Ordinal);
        var pending = status.History.Pending;

        // The operator moves the broken file away; the next retry creates a new database and saves what waited.
        File.Move(_database, _database + ".broken");
        await station.AdvanceAsync(TimeSpan.FromSeconds(6), TimeSpan.FromSeconds(1));
        await recovered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var healthy = await Operators.StatusAsync(station);
        Assert.True(healthy.History.Healthy);
        Assert.True(healthy.History.Written >= pending);
        using var operatorHttp = Operators.Http(station);
        var result = await operatorHttp.GetFromJsonAsync<JsonElement>("/api/history?from=2026-11-26&to=2026-11-26", Operators.Json);
        Assert.True(result.GetProperty("count").GetInt32() >= pending + 1);
    }
}
