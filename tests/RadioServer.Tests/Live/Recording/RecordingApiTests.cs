using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using RadioServer.Live.Accounts;
using RadioServer.Live.Recording;
using RadioServer.Tests.Infrastructure;
using RadioServer.Tests.Operations;
using static RadioServer.Tests.Live.Recording.RecordingTestKit;

namespace RadioServer.Tests.Live.Recording;

/// <summary>
/// GET /api/recordings and the downloads, on the real server: operators see everything, a host (Basic, account name
/// and source password) only the shows that list them in the schedule; anything else is 401, bad names 400, and a
/// download is the file's bytes, ranges included. A failing recordings folder reaches the operators as an alarm.
/// </summary>
public sealed class RecordingApiTests : IDisposable
{
    private static readonly DateTimeOffset s_morning = new(2026, 11, 26, 6, 0, 0, TimeSpan.Zero); // 07:00 in Berlin
    private static readonly DateTimeOffset s_evening = new(2026, 11, 26, 18, 0, 0, TimeSpan.Zero); // 19:00
    private readonly TempFolder _folder = new();

    public RecordingApiTests()
    {
        TestAudio.WriteToneWav(_folder.File("Alpha - One.wav"), 500, 2);
        File.WriteAllText(Path.Combine(_folder.Path, "schedule.json"), """
            { "timeZone": "Europe/Berlin", "automation": { "playlist": { "items": ["Alpha - One.wav"] } }, "shows": [
              { "id": "morning-show", "title": "Morning Show", "hosts": ["Alex Morgan"], "playlist": { "items": ["Alpha - One.wav"] },
                "slots": [ { "days": ["mon","tue","wed","thu","fri"], "start": "07:00", "end": "09:00" } ] },
              { "id": "evening-lounge", "title": "Evening Lounge", "hosts": ["Sam Rivera", "Jo Lee"], "playlist": { "items": ["Alpha - One.wav"] },
                "slots": [ { "days": ["mon","tue","wed","thu","fri","sat","sun"], "start": "19:00", "end": "22:00" } ] } ] }
            """);
    }

    public void Dispose() => _folder.Dispose();

    private static readonly FakeHostAccounts s_accounts = new FakeHostAccounts().Add("Alex Morgan", "alex-source-pass").Add("Sam Rivera", "sam-source-pass").Add("Old Host", "old-pass", disabled: true);

    private Task<TestStation> StartAsync(params (string Key, string? Value)[] settings) =>
        TestStation.StartAsync(_folder.Media, Operators.Settings(settings), services: s => s.Replace(ServiceDescriptor.Singleton<IHostAccounts>(s_accounts)));

    /// <summary>A finished morning recording (2 s) and an evening one still being recorded (1 s so far).</summary>
    private static async Task<LiveRecorder> RecordAsync(TestStation station)
    {
        var recorder = station.App.Services.GetRequiredService<LiveRecorder>();
        recorder.Begin(Slot("morning-show", "Morning Show", s_morning, "Alex Morgan"));
        await WriteAsync(recorder, new Tone(1000), 2);
        recorder.End();
        recorder.Begin(Slot("evening-lounge", "Evening Lounge", s_evening, "Sam Rivera"));
        await WriteAsync(recorder, new Tone(500), 1);
        return recorder;
    }

    private static HttpClient Basic(TestStation station, string user, string password)
    {
        var http = Operators.Http(station, key: null);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        return http;
    }

    private static async Task<JsonElement> ListAsync(HttpClient http)
    {
        using var response = await http.GetAsync("/api/recordings");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.Clone();
    }

    [Fact]
    public async Task Operator_ListsEveryRecording_WithItsSlotSizeDurationAndState()
    {
        await using var station = await StartAsync();
        await RecordAsync(station);
        using var http = Operators.Http(station);

        var list = await ListAsync(http);

        Assert.Equal(2, list.GetProperty("count").GetInt32());
        var items = list.GetProperty("recordings").EnumerateArray().ToList();
        var evening = items[0]; // newest first
        var morning = items[1];
        Assert.Equal("evening-lounge", evening.GetProperty("showId").GetString());
        Assert.Equal("Evening Lounge", evening.GetProperty("showTitle").GetString());
        Assert.Equal("2026-11-26T19:00:00+01:00", evening.GetProperty("slotStart").GetString());
        Assert.True(evening.GetProperty("recording").GetBoolean());
        Assert.Equal("2026-11-26_1900.mp3", evening.GetProperty("file").GetString());

        Assert.Equal("morning-show", morning.GetProperty("showId").GetString());
        Assert.Equal("2026-11-26T07:00:00+01:00", morning.GetProperty("slotStart").GetString());
        Assert.False(morning.GetProperty("recording").GetBoolean());
        Assert.Equal("2026-11-26_0700.mp3", morning.GetProperty("file").GetString());
        var path = Path.Combine(_folder.Path, "recordings", "morning-show", "2026-11-26_0700.mp3");
        Assert.Equal(new FileInfo(path).Length, morning.GetProperty("bytes").GetInt64());
        Assert.InRange(morning.GetProperty("durationSeconds").GetDouble(), 2.0, 2.15);
        Assert.Equal("/api/recordings/morning-show/2026-11-26_0700.mp3", morning.GetProperty("url").GetString());
    }

    [Fact]
    public async Task Host_WithBasicCredentials_SeesAndDownloadsOnlyTheirOwnShows()
    {
        await using var station = await StartAsync();
        await RecordAsync(station);

        using var alex = Basic(station, "alex morgan", "alex-source-pass"); // the account name is case-insensitive
        var mine = (await ListAsync(alex)).GetProperty("recordings").EnumerateArray().ToList();
        Assert.Equal(["morning-show"], mine.Select(r => r.GetProperty("showId").GetString()));
        using (var own = await alex.GetAsync("/api/recordings/morning-show/2026-11-26_0700.mp3"))
        {
            Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        }
        using (var other = await alex.GetAsync("/api/recordings/evening-lounge/2026-11-26_1900.mp3"))
        {
            Assert.Equal(HttpStatusCode.NotFound, other.StatusCode); // as if it did not exist
        }

        using var sam = Basic(station, "Sam Rivera", "sam-source-pass");
        var his = (await ListAsync(sam)).GetProperty("recordings").EnumerateArray().ToList();
        Assert.Equal(["evening-lounge"], his.Select(r => r.GetProperty("showId").GetString()));
    }

    [Theory]
    [InlineData("Alex Morgan", "wrong-pass")]
    [InlineData("Nobody", "alex-source-pass")]
    [InlineData(null, null)]
    public async Task WrongUnknownOrNoCredentials_Get401_TheSameAnswer(string? user, string? password)
    {
        await using var station = await StartAsync();
        await RecordAsync(station);
        using var http = user is null ? Operators.Http(station, key: null) : Basic(station, user, password!);

        foreach (var url in new[] { "/api/recordings", "/api/recordings/morning-show/2026-11-26_0700.mp3" })
        {
            using var response = await http.GetAsync(url);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Basic");
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal("Credentials are required.", problem.RootElement.GetProperty("title").GetString());
        }
    }

    [Fact]
    public async Task AWrongKey_Gets401_TheHostKey403_ADisabledAccount403()
    {
        await using var station = await StartAsync();
        using (var wrong = Operators.Http(station, key: "not-a-key"))
        using (var response = await wrong.GetAsync("/api/recordings"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
        using (var host = Operators.Http(station, key: Operators.HostKey))
        using (var response = await host.GetAsync("/api/recordings"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode); // the shared host key says not which host
        }
        using (var old = Basic(station, "Old Host", "old-pass"))
        using (var response = await old.GetAsync("/api/recordings"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }
    }

    [Theory]
    [InlineData("/api/recordings/..%2F..%2Fetc/passwd", 400)]
    [InlineData("/api/recordings/morning-show/..%2F..%2F..%2Fschedule.json", 400)]
    [InlineData("/api/recordings/morning-show/%2Fetc%2Fpasswd", 400)]
    [InlineData("/api/recordings/%2Ftmp/2026-11-26_0700.mp3", 400)]
    [InlineData("/api/recordings/morning-show/2026-11-26_0700.mp3.part", 400)]
    [InlineData("/api/recordings/morning-show/2026-13-45_0700.mp3", 400)]
    [InlineData("/api/recordings/Morning-Show/2026-11-26_0700.mp3", 400)]
    [InlineData("/api/recordings/morning-show/2026-11-27_0700.mp3", 404)]
    [InlineData("/api/recordings/no-such-show/2026-11-26_0700.mp3", 404)]
    public async Task BadOrTraversingNames_AreRefusedWithAReason(string url, int status)
    {
        await using var station = await StartAsync();
        await RecordAsync(station);
        using var http = Operators.Http(station);

        using var response = await http.GetAsync(url);

        Assert.Equal((HttpStatusCode)status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.False(string.IsNullOrEmpty(problem.RootElement.GetProperty("detail").GetString()));
        Assert.DoesNotContain(_folder.Path, problem.RootElement.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Download_ServesTheFilesBytes_AsAnAttachment_WithRanges()
    {
        await using var station = await StartAsync();
        var recorder = await RecordAsync(station);
        using var http = Operators.Http(station);
        var path = Path.Combine(_folder.Path, "recordings", "morning-show", "2026-11-26_0700.mp3");
        var expected = await File.ReadAllBytesAsync(path);

        using (var whole = await http.GetAsync("/api/recordings/morning-show/2026-11-26_0700.mp3"))
        {
            Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
            Assert.Equal("audio/mpeg", whole.Content.Headers.ContentType?.MediaType);
            Assert.Equal("attachment", whole.Content.Headers.ContentDisposition?.DispositionType);
            Assert.Equal("morning-show_2026-11-26_0700.mp3", whole.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
            Assert.Contains("bytes", whole.Headers.AcceptRanges);
            var body = await whole.Content.ReadAsByteArrayAsync();
            Assert.Equal(expected, body);
            Assert.InRange(TestAudio.DecodeMp3(body).Samples.Length / 2 / 44100.0, 2.0, 2.15);
        }

        using var range = new HttpRequestMessage(HttpMethod.Get, "/api/recordings/morning-show/2026-11-26_0700.mp3");
        range.Headers.Range = new RangeHeaderValue(1000, 1999);
        using (var part = await http.SendAsync(range))
        {
            Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
            Assert.Equal(1000, part.Content.Headers.ContentRange?.From);
            Assert.Equal(expected.Length, part.Content.Headers.ContentRange?.Length);
            Assert.Equal(expected.AsSpan(1000, 1000).ToArray(), await part.Content.ReadAsByteArrayAsync());
        }

        // The evening show is still being recorded: its URL serves the .part as it is now, and the finished file later.
        var partPath = Path.Combine(_folder.Path, "recordings", "evening-lounge", "2026-11-26_1900.mp3.part");
        using (var growing = await http.GetAsync("/api/recordings/evening-lounge/2026-11-26_1900.mp3"))
        {
            Assert.Equal(HttpStatusCode.OK, growing.StatusCode);
            Assert.Equal((await File.ReadAllBytesAsync(partPath)).Length, (await growing.Content.ReadAsByteArrayAsync()).Length);
        }
        recorder.End();
        await recorder.WrittenAsync();
        var list = await ListAsync(http);
        Assert.All(list.GetProperty("recordings").EnumerateArray(), r => Assert.False(r.GetProperty("recording").GetBoolean()));
    }

    [Fact]
    public async Task AFailingRecordingsFolder_ReachesOperatorsAsAnAlarm_AndTheMetrics_NotTheAir()
    {
        var blocker = Path.Combine(_folder.Path, "blocker");
        await File.WriteAllTextAsync(blocker, "not a folder");
        await using var station = await StartAsync(("Radio:Live:RecordingsPath", Path.Combine(blocker, "recordings")));
        await using var op = await Operators.HubOperator.JoinAsync(station);
        var recorder = station.App.Services.GetRequiredService<LiveRecorder>();

        recorder.Begin(Slot("morning-show", "Morning Show", s_morning, "Alex Morgan"));
        await WriteAsync(recorder, new Tone(1000), 0.5);

        var alarm = await op.Alarms.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("recording", alarm.Kind);
        Assert.True(alarm.Active);
        Assert.Contains("Morning Show", alarm.Message, StringComparison.Ordinal);
        var status = await Operators.StatusAsync(station);
        Assert.Contains(status.Alarms, a => a.Kind == "recording" && a.Active);
        using var http = Operators.Http(station, key: null);
        var metrics = await http.GetStringAsync("/metrics");
        Assert.Contains("\nradio_live_recording 0\n", metrics, StringComparison.Ordinal);
        Assert.Contains("\nradio_live_recording_failures_total 1\n", metrics, StringComparison.Ordinal);
        Assert.Contains("\nradio_live_recording_dropped_frames_total 0\n", metrics, StringComparison.Ordinal);
        Assert.Contains(station.Logs.Entries, e => e.EventId.Name == "RecordingFailed");

        await station.AdvanceAsync(TimeSpan.FromSeconds(1)); // the air goes on
        Assert.True(station.Chain.IsRunning);
    }
}
