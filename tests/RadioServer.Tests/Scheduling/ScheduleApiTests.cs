using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using RadioServer.Tests.Infrastructure;

namespace RadioServer.Tests.Scheduling;

public sealed class ScheduleApiTests : IDisposable
{
    private const string HostKey = "host-key-for-tests";
    private const string OperatorKey = "operator-key-for-tests";
    private readonly TempFolder _folder = new();
    private readonly string _schedulePath;

    public ScheduleApiTests()
    {
        TestAudio.WriteToneWav(_folder.File("Auto - Filler.wav"), 440, 30);
        TestAudio.WriteToneWav(_folder.File("Show - Opener.wav"), 1000, 20);
        _schedulePath = Path.Combine(_folder.Path, "schedule.json");
        File.WriteAllText(_schedulePath, AutomationOnly("UTC"));
    }

    public void Dispose() => _folder.Dispose();

    private static readonly Dictionary<string, string?> s_keys = new()
    {
        ["Radio:Auth:HostKey"] = HostKey,
        ["Radio:Auth:OperatorKey"] = OperatorKey,
    };

    [Fact]
    public async Task Keys_NoKey401_WrongKey401_WrongRole403_RightRole200()
    {
        await using var station = await TestStation.StartAsync(_folder.Media, s_keys);
        using var http = new HttpClient { BaseAddress = station.BaseUri };

        Assert.Equal(HttpStatusCode.Unauthorized, (await Put(http, AutomationOnly("UTC"), key: null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Put(http, AutomationOnly("UTC"), key: "guess")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Put(http, AutomationOnly("UTC"), key: HostKey)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Put(http, AutomationOnly("UTC"), key: OperatorKey, bearer: true)).StatusCode);

        using var reloadAsHost = new HttpRequestMessage(HttpMethod.Post, "/api/schedule/reload");
        reloadAsHost.Headers.Add("X-Api-Key", HostKey);
        Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(reloadAsHost)).StatusCode);
        using var reloadAsOperator = new HttpRequestMessage(HttpMethod.Post, "/api/schedule/reload");
        reloadAsOperator.Headers.Authorization = new("Bearer", OperatorKey);
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(reloadAsOperator)).StatusCode);
    }

    [Fact]
    public async Task WrongKeys_AreLoggedAtDebug_WithOneWarningAMinutePerAddress_NotTwoLinesEach()
    {
        await using var station = await TestStation.StartAsync(_folder.Media, new Dictionary<string, string?>(s_keys) { ["Logging:LogLevel:RadioServer.Auth"] = "Debug" });
        using var http = new HttpClient { BaseAddress = station.BaseUri };
        for (var i = 0; i < 200; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await Put(http, AutomationOnly("UTC"), key: $"guess-{i}")).StatusCode);
        }
        var entries = station.Logs.Entries;
        Assert.Equal(200, entries.Count(e => e.EventId.Name == "KeyRefused" && e.Level == LogLevel.Debug));
        Assert.Single(entries, e => e.EventId.Name == "KeysRefusedFrom" && e.Level == LogLevel.Warning);
        // Before: two Information lines a refusal from the authentication handler (400 here).
        Assert.DoesNotContain(entries, e => e.Category.StartsWith("RadioServer.Auth", StringComparison.Ordinal) && e.Level == LogLevel.Information);

        station.Time!.Advance(TimeSpan.FromSeconds(61));
        await Put(http, AutomationOnly("UTC"), key: "guess-again");
        var summary = station.Logs.Entries.Where(e => e.EventId.Name == "KeysRefusedFrom").ToList();
        Assert.Equal(2, summary.Count);
        Assert.Contains("199 more refused", summary[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Keys_NotConfigured_AreGeneratedAndLoggedOnce()
    {
        await using var station = await TestStation.StartAsync(_folder.Media);
        var generated = station.Logs.Entries.Where(e => e.EventId.Name == "KeyGenerated").ToList();
        Assert.Equal(2, generated.Count);
        var hostKey = generated.Single(e => e.Message.Contains("HostKey", StringComparison.Ordinal)).Message.Split(' ')[^1];
        using var http = new HttpClient { BaseAddress = station.BaseUri };
        Assert.Equal(HttpStatusCode.OK, (await Put(http, AutomationOnly("UTC"), key: hostKey)).StatusCode);
    }

    [Fact]
    public async Task Put_BadSchedule_400WithEveryReason_NothingChanges()
    {
        await using var station = await TestStation.StartAsync(_folder.Media, s_keys);
        using var http = new HttpClient { BaseAddress = station.BaseUri };
        var before = await File.ReadAllBytesAsync(_schedulePath);
        var hashBefore = station.Schedule.Current.Hash;

        var bad = """{ "timeZone": "Nowhere/Land", "automation": { "playlist": { "items": ["../../etc/passwd"] } }, "shows": [] }""";
        using var response = await Put(http, bad, HostKey);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var messages = problem.RootElement.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("message").GetString()).ToList();
        Assert.Contains(messages, m => m!.Contains("Unknown time zone", StringComparison.Ordinal));
        Assert.Contains(messages, m => m!.Contains("outside the media folder", StringComparison.Ordinal));

        Assert.Equal(before, await File.ReadAllBytesAsync(_schedulePath));
        Assert.False(File.Exists(_schedulePath + ".bak"));
        Assert.Equal(hashBefore, station.Schedule.Current.Hash);

        using var validate = await http.PostAsync("/api/schedule/validate", new StringContent(bad));
        var dryRun = await validate.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(dryRun.GetProperty("valid").GetBoolean());
        Assert.Equal(2, dryRun.GetProperty("errors").GetArrayLength());

        using var huge = await Put(http, new string(' ', (1024 * 1024) + 10) + "{}", HostKey);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);
    }

    [Fact]
    public async Task Put_IsWrittenAtomically_WithABackup_AndReadersNeverSeeHalfAFile()
    {
        await using var station = await TestStation.StartAsync(_folder.Media, s_keys);
        using var http = new HttpClient { BaseAddress = station.BaseUri };
        var versions = Enumerable.Range(0, 20).Select(i => WithShow("UTC", $"Show {i} " + new string('x', i * 500), "12:00", "13:00", "Show - Opener.wav")).ToList();
        var known = versions.Append(AutomationOnly("UTC")).ToHashSet();

        using var stop = new CancellationTokenSource();
        var reads = 0;
        var reader = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                string text;
                try
                {
                    text = File.ReadAllText(_schedulePath);
                }
                catch (IOException)
                {
                    continue;
                }
                Assert.Contains(text, known); // whole old file or whole new file, never a mix or a prefix
                reads++;
            }
        });
        foreach (var version in versions)
        {
            Assert.Equal(HttpStatusCode.OK, (await Put(http, version, HostKey)).StatusCode);
        }
        stop.Cancel();
        await reader;
        Assert.True(reads > 0);
        Assert.Equal(versions[^1], await File.ReadAllTextAsync(_schedulePath));
        Assert.Equal(versions[^2], await File.ReadAllTextAsync(_schedulePath + ".bak"));
        Assert.Equal(versions[^1], await http.GetStringAsync("/api/schedule"));
    }

    [Fact]
    public async Task HotReload_EditOnDisk_AppliedWithinTwoSeconds_InvalidEditKeepsTheOld()
    {
        await using var station = await TestStation.StartAsync(_folder.Media, s_keys);
        var first = station.Schedule.Current;
        Assert.Empty(first.Shows);

        var edited = WithShow("UTC", "Edited Show", "15:00", "16:00", "Show - Opener.wav");
        await File.WriteAllTextAsync(_schedulePath, edited);
        await station.AdvanceAsync(TimeSpan.FromSeconds(2));
        Assert.Equal("Edited Show", Assert.Single(station.Schedule.Current.Shows).Title);

        await File.WriteAllTextAsync(_schedulePath, edited.Replace("\"15:00\"", "\"15:00\",,", StringComparison.Ordinal));
        await station.AdvanceAsync(TimeSpan.FromSeconds(2));
        Assert.Equal("Edited Show", Assert.Single(station.Schedule.Current.Shows).Title);
        var error = Assert.Single(station.Logs.Entries, e => e.EventId.Name == "ScheduleInvalid");
        Assert.Equal(LogLevel.Error, error.Level);
        Assert.Contains("line 1, column", error.Message, StringComparison.Ordinal);
        Assert.NotNull(station.Schedule.LastError);
    }

    [Fact]
    public async Task NowAndWeek_ReportSlotsInStationTimeAndUtc_AcrossSpringForward()
    {
        // Berlin, Sunday 2026-03-29 00:30 UTC (01:30 CET), half an hour before clocks jump to 03:00 CEST.
        File.WriteAllText(_schedulePath, WithShow("Europe/Berlin", "Night Owls", "02:30", "04:00", "Show - Opener.wav", days: "\"sun\""));
        await using var station = await TestStation.StartAsync(_folder.Media, s_keys, start: new DateTimeOffset(2026, 3, 29, 0, 30, 0, TimeSpan.Zero));
        using var http = new HttpClient { BaseAddress = station.BaseUri };

        var now = await http.GetFromJsonAsync<JsonElement>("/api/schedule/now");
        Assert.True(now.GetProperty("current").GetProperty("isAutomation").GetBoolean());
        var next = now.GetProperty("next");
        Assert.Equal("Night Owls", next.GetProperty("title").GetString());
        Assert.Equal("2026-03-29T03:00:00+02:00", next.GetProperty("start").GetString());
        Assert.Equal("2026-03-29T01:00:00+00:00", next.GetProperty("startUtc").GetString());

        await station.AdvanceAsync(TimeSpan.FromMinutes(31), TimeSpan.FromSeconds(30));
        now = await http.GetFromJsonAsync<JsonElement>("/api/schedule/now");
        Assert.Equal("Night Owls", now.GetProperty("current").GetProperty("title").GetString());
        Assert.Equal("2026-03-29T04:00:00+02:00", now.GetProperty("current").GetProperty("end").GetString());

        var week = await http.GetFromJsonAsync<JsonElement>("/api/schedule/week");
        Assert.Equal("2026-03-29T00:00:00+01:00", week.GetProperty("from").GetString()); // seven dates from the start of today
        Assert.Equal("2026-04-05T00:00:00+02:00", week.GetProperty("to").GetString());
        Assert.Equal(1, week.GetProperty("occurrences").GetArrayLength()); // next Sunday is the eighth date
    }

    [Fact]
    public async Task Put_ShowStartingTwoSecondsAhead_IsHeardOnTheStreamOnTime()
    {
        // 12:00:55 UTC; the new show will start at 12:01:00.
        await using var station = await TestStation.StartAsync(_folder.Media, new Dictionary<string, string?>(s_keys) { ["Radio:MetaInt"] = "2000" }, start: new DateTimeOffset(2026, 11, 26, 12, 0, 55, TimeSpan.Zero));
        await using var listener = await StreamClient.ConnectAsync(station.Url("/stream"), icyMetadata: true);
        using var http = new HttpClient { BaseAddress = station.BaseUri };
        await station.AdvanceAsync(TimeSpan.FromSeconds(3));

        var response = await Put(http, WithShow("UTC", "Top Of The Hour", "12:01", "12:30", "Show - Opener.wav", days: "\"thu\""), HostKey);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await station.AdvanceAsync(TimeSpan.FromSeconds(5));
        await listener.WaitForAudioAsync(station.Buffer.EndPosition);

        // The ICY title switches to the show's track...
        var titles = listener.Blocks.Where(b => b.StreamTitle is not null).ToList();
        Assert.Equal(["Auto - Filler", "Show - Opener"], titles.Select(b => b.StreamTitle));
        // ...and the show's 1 kHz tone is heard within a second of 12:01:00, 5 s into the stream.
        var (samples, rate, _) = TestAudio.DecodeMp3(listener.Audio);
        var left = TestAudio.Channel(samples, 2, 0);
        var window = rate / 20;
        double? heardAt = null;
        for (var i = 0; i + window <= left.Length; i += window)
        {
            if (TestAudio.ToneFrequency(left.AsSpan(i, window), rate) is > 950 and < 1050 && TestAudio.Rms(left.AsSpan(i, window)) > 0.2)
            {
                heardAt = i / (double)rate;
                break;
            }
        }
        Assert.NotNull(heardAt);
        Assert.InRange(heardAt.Value, 4.8, 5.4); // well within the 1 s
        // The filler faded out rather than stopping dead: quieter just before the switch than a second earlier.
        var beforeSwitch = (int)((heardAt.Value - 0.15) * rate);
        Assert.True(TestAudio.Rms(left.AsSpan(beforeSwitch, window)) < TestAudio.Rms(left.AsSpan(beforeSwitch - rate, window)));
    }

    [Fact]
    public async Task NulCharacterInAnItem_IsRefusedWithItsReason_OverHttpAndOnDisk_AndTheStationStays()
    {
        await using var station = await TestStation.StartAsync(_folder.Media, new Dictionary<string, string?>(s_keys) { ["Radio:SchedulePath"] = _schedulePath });
        using var http = new HttpClient { BaseAddress = station.BaseUri };
        var hash = station.Schedule.Current.Hash;
        var bad = AutomationOnly("UTC").Replace("Auto - Filler.wav", ".\\u0000", StringComparison.Ordinal);

        using var validate = await http.PostAsync("/api/schedule/validate", new StringContent(bad, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, validate.StatusCode); // a dry run answers; before: 500 with a stack trace
        var result = await validate.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(result.GetProperty("valid").GetBoolean());
        Assert.Contains("control character", result.GetProperty("errors")[0].GetProperty("message").GetString(), StringComparison.Ordinal);
        using var put = await Put(http, bad, HostKey);
        Assert.Equal(HttpStatusCode.BadRequest, put.StatusCode);

        // On disk, read by the timer: refused with the reason, the schedule in force stays, nothing escapes.
        File.WriteAllText(_schedulePath, bad);
        station.Schedule.Poll(force: true);
        Assert.Contains("control character", station.Schedule.LastError, StringComparison.Ordinal);
        Assert.Equal(hash, station.Schedule.Current.Hash);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task Backup_IsTheScheduleThatWasOnAir_NotARefusedFile()
    {
        await using var station = await TestStation.StartAsync(_folder.Media, new Dictionary<string, string?>(s_keys) { ["Radio:SchedulePath"] = _schedulePath });
        using var http = new HttpClient { BaseAddress = station.BaseUri };
        var onAir = station.Schedule.Current.Json;

        // The file is truncated (an editor crashed): refused, the last good schedule stays on air.
        File.WriteAllText(_schedulePath, "");
        station.Schedule.Poll(force: true);
        Assert.NotNull(station.Schedule.LastError);
        Assert.Equal(onAir, station.Schedule.Current.Json);

        using var put = await Put(http, WithShow("UTC", "Next Show", "07:00", "09:00", "Show - Opener.wav"), HostKey);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(onAir, await File.ReadAllTextAsync(_schedulePath + ".bak")); // before: the 0-byte file
    }

    [Fact]
    public async Task ByteOrderMark_IsAccepted_InABodyAndOnDisk()
    {
        await using var station = await TestStation.StartAsync(_folder.Media, new Dictionary<string, string?>(s_keys) { ["Radio:SchedulePath"] = _schedulePath });
        using var http = new HttpClient { BaseAddress = station.BaseUri };
        var withBom = "\uFEFF" + WithShow("UTC", "Bom Show", "07:00", "09:00", "Show - Opener.wav");

        using var validate = await http.PostAsync("/api/schedule/validate", new StringContent(withBom, Encoding.UTF8, "application/json"));
        Assert.True((await validate.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("valid").GetBoolean());
        using var put = await Put(http, withBom, HostKey);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        File.WriteAllText(_schedulePath, withBom.Replace("Bom Show", "Bom Show Two", StringComparison.Ordinal), new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
        station.Schedule.Poll(force: true);
        Assert.Null(station.Schedule.LastError);
        Assert.Contains("Bom Show Two", station.Schedule.Current.Json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DryRun_IsLimitedPerAddress_WithAReasonAndRetryAfter()
    {
        await using var station = await TestStation.StartAsync(_folder.Media, new Dictionary<string, string?>(s_keys) { ["Radio:SchedulePath"] = _schedulePath });
        var draft = WithShow("UTC", "Draft Show", "07:00", "09:00", "Show - Opener.wav");
        using var http = new HttpClient { BaseAddress = station.BaseUri };
        var answers = new List<HttpStatusCode>();
        HttpResponseMessage? refused = null;
        for (var i = 0; i < RadioServer.Scheduling.ScheduleEndpoints.DryRunBurst + 3; i++)
        {
            var response = await http.PostAsync("/api/schedule/validate", new StringContent(draft, Encoding.UTF8, "application/json"));
            answers.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                refused ??= response;
            }
        }
        // The burst is answered; after it (at most one token back in the 3 s period) the address waits.
        Assert.All(answers.Take(RadioServer.Scheduling.ScheduleEndpoints.DryRunBurst), a => Assert.Equal(HttpStatusCode.OK, a));
        Assert.True(answers.Count(a => a == HttpStatusCode.TooManyRequests) >= 2, string.Join(",", answers));
        Assert.True(refused!.Headers.RetryAfter is not null, refused.ToString() + await refused.Content.ReadAsStringAsync());
        Assert.Contains("too often", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);

        // Another address is not held back, and saving with the host key is not limited by it.
        using var elsewhere = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = async (context, token) =>
            {
                var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                socket.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.2"), 0));
                await socket.ConnectAsync(context.DnsEndPoint, token);
                return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
            },
        }) { BaseAddress = station.BaseUri };
        using var other = await elsewhere.PostAsync("/api/schedule/validate", new StringContent(draft, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        using var put = await Put(http, draft, HostKey);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
    }

    private static Task<HttpResponseMessage> Put(HttpClient http, string json, string? key, bool bearer = false)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, "/api/schedule") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (key is not null)
        {
            if (bearer)
            {
                request.Headers.Authorization = new("Bearer", key);
            }
            else
            {
                request.Headers.Add("X-Api-Key", key);
            }
        }
        return http.SendAsync(request);
    }

    private static string AutomationOnly(string zone) =>
        $$"""{ "timeZone": "{{zone}}", "automation": { "playlist": { "items": ["Auto - Filler.wav"] } }, "shows": [] }""";

    private static string WithShow(string zone, string title, string start, string end, string item, string days = "\"mon\",\"tue\",\"wed\",\"thu\",\"fri\",\"sat\",\"sun\"") =>
        $$"""{ "timeZone": "{{zone}}", "automation": { "playlist": { "items": ["Auto - Filler.wav"] } }, "shows": [ { "id": "show", "title": "{{title}}", "boundary": "hard", "playlist": { "items": ["{{item}}"] }, "slots": [ { "days": [{{days}}], "start": "{{start}}", "end": "{{end}}" } ] } ] }""";
}
