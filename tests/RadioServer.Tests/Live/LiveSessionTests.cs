using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using RadioServer.Live;
using RadioServer.Live.Accounts;
using RadioServer.Live.Recording;
using RadioServer.Tests.Infrastructure;

namespace RadioServer.Tests.Live;

/// <summary>
/// Hosts in their slots, on the fake clock: standby until the takeover, on air exactly at the boundary, drops and
/// reconnects in the same session, the slot's close, the master's priority, credentials per show and slot.
/// </summary>
public sealed class LiveSessionTests : IDisposable
{
    private const string MasterPassword = "test-master-password";
    private const string HostPassword = "alex-source-password";
    private const string HostKey = "test-host-key";
    private const string OperatorKey = "test-operator-key";
    private static readonly DateTimeOffset s_day = new(2026, 11, 26, 0, 0, 0, TimeSpan.Zero); // a Thursday, UTC
    private readonly TempFolder _folder = new();
    private readonly FakeHostAccounts _accounts = new FakeHostAccounts().Add("Alex Morgan", HostPassword).Add("Sam Rivera", "sam-source-password").Add("Off Air", "off-air-password", disabled: true);
    private readonly RecorderSpy _recorder = new();

    public LiveSessionTests() => TestAudio.WriteToneWav(_folder.File("Alpha - One.wav"), 500, 120);

    public void Dispose() => _folder.Dispose();

    private static DateTimeOffset At(int hour, int minute, int second = 0) => s_day + new TimeSpan(hour, minute, second);

    /// <summary>"Morning Show" with Alex Morgan, 12:05-12:06 today (and the live rules given).</summary>
    private void Schedule(string live = "", string boundary = "hard", string start = "12:05", string end = "12:06") =>
        File.WriteAllText(Path.Combine(_folder.Path, "schedule.json"), $$"""
            { "timeZone": "UTC", "automation": { "title": "Automation", "playlist": { "items": ["."] } },
              "shows": [ { "id": "morning-show", "title": "Morning Show", "hosts": ["Alex Morgan"], "boundary": "{{boundary}}", "maxOverrunSeconds": 20,
                           {{(live.Length > 0 ? $"\"live\": {{ {live} }}," : "")}}
                           "playlist": { "items": ["."] },
                           "slots": [ { "date": "2026-11-26", "start": "{{start}}", "end": "{{end}}" } ] } ] }
            """);

    private Task<TestStation> StartAsync(DateTimeOffset at, bool recordForReal = false, bool realAccounts = false, bool directListeners = true) => TestStation.StartAsync(
        _folder.Media,
        new Dictionary<string, string?> { ["Radio:Live:MasterPassword"] = MasterPassword, ["Radio:Auth:HostKey"] = HostKey, ["Radio:Auth:OperatorKey"] = OperatorKey, ["Radio:DirectListeners"] = directListeners ? "true" : "false" },
        start: at,
        services: s =>
        {
            if (!realAccounts)
            {
                s.Replace(ServiceDescriptor.Singleton<IHostAccounts>(_accounts));
            }
            if (!recordForReal)
            {
                s.Replace(ServiceDescriptor.Singleton<ILiveRecorder>(_recorder));
            }
        });

    private string Tone(double frequency, double seconds, string name)
    {
        var path = Path.Combine(_folder.Path, name); // not in the media folder: automation must not play it
        TestAudio.WriteToneMp3(path, frequency, seconds, sampleRate: 48000, channels: 1, bitrateKbps: 64);
        return path;
    }

    [Fact]
    public async Task AHostInStandby_GoesOnAirExactlyAtTheSlotBoundary_WithTheShowAndHostAsTitle()
    {
        Schedule();
        await using var station = await StartAsync(At(12, 4, 30));
        var live = station.App.Services.GetRequiredService<LiveSources>();
        // Connected before any audio is made: the listener's stream starts at the stream's first byte, sample 0 = 12:04:30.
        await using var listener = await StreamClient.ConnectAsync(station.Url("/stream"), icyMetadata: true);

        using var host = await SourceClient.ConnectAsync(station, "alex morgan", HostPassword, name: "Alex's laptop");
        Assert.True(host.Accepted, host.Answer);
        host.Send(Tone(1000, 60, "host.mp3"));
        await SourceClient.AdvanceFedAsync(station, TimeSpan.FromSeconds(10));
        var standby = live.Status(withSources: true, withAddresses: false);
        Assert.Equal("standby", standby.State);
        Assert.False(standby.OnAir);
        Assert.Equal(At(12, 5), standby.OnAirAt);
        Assert.Equal("Alex Morgan", standby.Host);
        var source = Assert.Single(standby.Sources);
        Assert.Equal(("MP3", 48000, 1, 64, false), (source.Codec, source.SampleRate, source.Channels, source.BitrateKbps, source.Heard));
        Assert.NotNull(source.LevelDb); // metered in standby: the host's page shows it
        Assert.False(station.Chain.LiveOnAir);

        await SourceClient.AdvanceFedAsync(station, TimeSpan.FromSeconds(25)); // to 12:05:05
        Assert.True(station.Chain.LiveOnAir);
        Assert.Equal("onAir", live.Status(false, false).State);
        await listener.WaitForAudioAsync(station.Buffer.EndPosition);
        Assert.Equal("Alex Morgan - Morning Show", listener.Blocks.Last(b => b.StreamTitle is not null).StreamTitle);

        // Where the host's tone starts in what the listener decodes: at the boundary, within one frame (plus the codec's fixed delay).
        var (samples, rate, channels) = TestAudio.DecodeMp3(listener.Audio);
        var left = TestAudio.Channel(samples, channels, 0);
        var boundary = (int)((At(12, 5) - At(12, 4, 30)).TotalSeconds * rate);
        var heard = FirstWindowWith(left, rate, 1000, from: boundary - (5 * rate));
        const int CodecDelay = 576 + 529; // LAME's encoder delay and the MP3 decoder's
        Assert.InRange(heard - boundary, -Window, 1152 + CodecDelay + Window);
        Assert.InRange(TestAudio.ToneFrequency(left.AsSpan(boundary - rate, rate / 2), rate), 495, 505); // automation before it
    }

    [Fact]
    public async Task ADrop_FallsBackToAutomation_AReconnectTakesOverInTheSameSession_AndTheSlotsCloseEndsTheSource()
    {
        Schedule();
        await using var station = await StartAsync(At(12, 4, 55), recordForReal: true);
        var live = station.App.Services.GetRequiredService<LiveSources>();
        await using var listener = await StreamClient.ConnectAsync(station.Url("/stream"), icyMetadata: true);
        using (var first = await SourceClient.ConnectAsync(station, "Alex Morgan", HostPassword))
        {
            Assert.True(first.Accepted, first.Answer);
            first.Send(Tone(1000, 12, "first.mp3"));
            await SourceClient.AdvanceFedAsync(station, TimeSpan.FromSeconds(8)); // 12:05:03, on air since 12:05:00
            Assert.True(station.Chain.LiveOnAir);
            using (var http = new HttpClient { BaseAddress = station.BaseUri })
            {
                // Icecast's updinfo with the host's own credentials names the host's source.
                using var update = new HttpRequestMessage(HttpMethod.Get, "/admin/metadata?mode=updinfo&mount=/live&song=Talk%3A%20the%20week%20ahead");
                update.Headers.Authorization = new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"Alex Morgan:{HostPassword}")));
                Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(update)).StatusCode);
            }
            await first.Sending!;
            first.Hangup(); // 12 s sent, 3 s heard: 9 s still buffered or in flight, then the drop
        }
        await SourceClient.AdvanceFedAsync(station, TimeSpan.FromSeconds(4));
        await SourceClient.UntilAsync(() => live.Current is null);
        await SourceClient.AdvanceFedAsync(station, TimeSpan.FromSeconds(12)); // 12:05:19: it played out, then automation
        Assert.False(station.Chain.LiveOnAir);
        Assert.Equal("dropped", live.Status(false, false).State);
        await listener.WaitForAudioAsync(station.Buffer.EndPosition);
        var droppedAt = listener.AudioBytes;
        Assert.Equal("Alpha - One", listener.Blocks.Last(b => b.StreamTitle is not null).StreamTitle);

        using var second = await SourceClient.ConnectAsync(station, "Alex Morgan", HostPassword);
        Assert.True(second.Accepted, second.Answer);
        second.Send(Tone(1500, 90, "second.mp3"));
        await SourceClient.AdvanceFedAsync(station, TimeSpan.FromSeconds(5)); // 12:05:24: on air again at once, the session's title kept
        Assert.True(station.Chain.LiveOnAir);
        await listener.WaitForAudioAsync(station.Buffer.EndPosition);
        var reconnectedAt = listener.AudioBytes;
        Assert.Equal("Talk: the week ahead", listener.Blocks.Last(b => b.StreamTitle is not null).StreamTitle);

        await SourceClient.AdvanceFedAsync(station, TimeSpan.FromSeconds(40)); // past 12:06:00, the slot's close (a hard show: no overrun)
        Assert.True(await second.ClosedByServerAsync());
        Assert.False(station.Chain.LiveOnAir);
        Assert.Equal("off", live.Status(false, false).State);
        Assert.Contains(station.Logs.Entries, e => e.EventId.Name == "LiveSlotClosed");
        using (var late = await SourceClient.ConnectAsync(station, "Alex Morgan", HostPassword))
        {
            Assert.StartsWith("HTTP/1.0 403", late.Answer, StringComparison.Ordinal);
            Assert.Contains("The slot of Morning Show (12:05-12:06) is over", late.Answer, StringComparison.Ordinal);
        }

        // One recording for the slot, across the drop, as it went on air: the host, automation while dropped, the host again.
        var recordings = Path.Combine(_folder.Path, "recordings", "morning-show");
        await SourceClient.UntilAsync(() => File.Exists(Path.Combine(recordings, "2026-11-26_1205.mp3")));
        Assert.Equal(["2026-11-26_1205.mp3"], Directory.GetFiles(recordings).Select(Path.GetFileName));
        var (recorded, recordedRate, recordedChannels) = TestAudio.DecodeMp3(await File.ReadAllBytesAsync(Path.Combine(recordings, "2026-11-26_1205.mp3")));
        var recordedLeft = TestAudio.Channel(recorded, recordedChannels, 0);
        Assert.True(recordedLeft.Length / (double)recordedRate is > 59.5 and < 61, $"{recordedLeft.Length / (double)recordedRate} s recorded; " + string.Join(" | ", station.Logs.Entries.Where(e => e.Category.Contains("Record", StringComparison.Ordinal)).Select(e => e.Message))); // 12:05:00 to the close at 12:06:00
        double RecordedAt(double second) => TestAudio.ToneFrequency(recordedLeft.AsSpan((int)(second * recordedRate), recordedRate / 2), recordedRate);
        Assert.InRange(RecordedAt(2), 990, 1010); // the host, from the first second
        Assert.InRange(RecordedAt(16), 495, 505); // automation while the host was away
        Assert.InRange(RecordedAt(40), 1490, 1510); // the host again, in the same file

        await listener.WaitForAudioAsync(station.Buffer.EndPosition);
        var (samples, rate, channels) = TestAudio.DecodeMp3(listener.Audio);
        var left = TestAudio.Channel(samples, channels, 0);
        var perByte = samples.Length / (double)listener.AudioBytes / channels;
        double ToneBefore(long bytes) => TestAudio.ToneFrequency(left.AsSpan((int)(bytes * perByte) - rate, rate / 2), rate);
        Assert.InRange(ToneBefore(droppedAt), 495, 505);
        Assert.InRange(ToneBefore(reconnectedAt), 1490, 1510);
        Assert.InRange(ToneBefore(listener.AudioBytes), 495, 505);

        // A real player's view of the same bytes, across four switches: one format, frame after frame.
        var captured = Path.Combine(_folder.Path, "heard.mp3");
        await File.WriteAllBytesAsync(captured, listener.Audio);
        using var ffprobe = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("ffprobe", ["-v", "error", "-show_entries", "stream=sample_rate,channels:frame=channels,nb_samples", "-of", "csv=p=0", captured]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var frames = (await ffprobe.StandardOutput.ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        await ffprobe.WaitForExitAsync();
        Assert.Equal(0, ffprobe.ExitCode);
        Assert.True(frames.Length > 60 * 44100 / 1152, $"{frames.Length} frames");
        Assert.Single(frames, f => f.Trim() == "44100,2"); // one stream, station format
        Assert.All(frames.Where(f => f.Trim() != "44100,2"), f => Assert.Equal("1152,2", f.Trim())); // every frame: stereo, 1,152 samples
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)] // listeners through Kestrel's pipe: sources are still taken from the accept loop
    public async Task TheMasterSource_TakesPriority_TheHostWaitsInStandby_AndIsHeardAgainWhenTheMasterLeaves(bool directListeners)
    {
        Schedule(start: "12:00", end: "13:00");
        await using var station = await StartAsync(At(12, 10), directListeners: directListeners);
        var live = station.App.Services.GetRequiredService<LiveSources>();
        await using var listener = await StreamClient.ConnectAsync(station.Url("/stream"), icyMetadata: true);
        using var host = await SourceClient.ConnectAsync(station, "Alex Morgan", HostPassword);
        Assert.True(host.Accepted, host.Answer);
        host.Send(Tone(1000, 90, "host.mp3"));
        await SourceClient.AdvanceFedAsync(station, TimeSpan.FromSeconds(3)); // in the slot: on air at once
        Assert.True(station.Chain.LiveOnAir);

        using var second = await SourceClient.ConnectAsync(station, "Sam Rivera", "sam-source-password");
        Assert.StartsWith("HTTP/1.0 403", second.Answer, StringComparison.Ordinal); // not a host of the show
        using var master = await SourceClient.ConnectAsync(station, "source", MasterPassword, name: "Studio");
        Assert.True(master.Accepted, master.Answer);
        master.Send(Tone(1500, 12, "master.mp3"));
        await SourceClient.AdvanceFedAsync(station, TimeSpan.FromSeconds(4));
        var status = live.Status(true, true);
        Assert.True(status.Master);
        Assert.Equal([(true, true), (false, false)], status.Sources.Select(s => (s.Master, s.Heard)));
        Assert.Equal("127.0.0.1", status.Sources[0].Address);
        await listener.WaitForAudioAsync(station.Buffer.EndPosition);
        var masterAt = listener.AudioBytes;
        Assert.Equal("Studio", listener.Blocks.Last(b => b.StreamTitle is not null).StreamTitle);

        using var masterTwo = await SourceClient.ConnectAsync(station, "source", MasterPassword);
        Assert.Contains("403 Forbidden", masterTwo.Answer, StringComparison.Ordinal);
        Assert.Contains("Mountpoint in use", masterTwo.Answer, StringComparison.Ordinal);

        await master.Sending!;
        master.Hangup();
        await SourceClient.AdvanceFedAsync(station, TimeSpan.FromSeconds(18)); // the master plays out (at most ~8 s left), then the host again
        Assert.True(station.Chain.LiveOnAir);
        Assert.False(live.Status(false, false).Master);
        await listener.WaitForAudioAsync(station.Buffer.EndPosition);
        var (samples, rate, channels) = TestAudio.DecodeMp3(listener.Audio);
        var left = TestAudio.Channel(samples, channels, 0);
        var perByte = samples.Length / (double)listener.AudioBytes / channels;
        double ToneBefore(long bytes) => TestAudio.ToneFrequency(left.AsSpan((int)(bytes * perByte) - rate, rate / 2), rate);
        Assert.InRange(ToneBefore(masterAt), 1490, 1510);
        Assert.InRange(ToneBefore(listener.AudioBytes), 990, 1010);
        Assert.Equal("Alex Morgan - Morning Show", listener.Blocks.Last(b => b.StreamTitle is not null).StreamTitle);
    }

    [Theory]
    [InlineData("Alex Morgan", "wrong-password", "401")]
    [InlineData("Nobody", HostPassword, "401")]
    [InlineData("Sam Rivera", "sam-source-password", "403 Forbidden|No show in the schedule lists Sam Rivera as a host.")]
    [InlineData("Off Air", "off-air-password", "403 Forbidden|This account is disabled.")]
    [InlineData("Alex Morgan", HostPassword, "403 Forbidden|Alex Morgan may go live for Morning Show from Thu 26 Nov 12:25 (the slot is 12:35-13:00, UTC).")]
    public async Task Credentials_ArePerShowAndSlot(string user, string password, string expected)
    {
        Schedule(start: "12:35", end: "13:00");
        await using var station = await StartAsync(At(12, 10));
        using var source = await SourceClient.ConnectAsync(station, user, password);
        foreach (var part in expected.Split('|'))
        {
            Assert.Contains(part, source.Answer, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task WrongPasswords_GetTheSameAnswer_AndAreLimitedPerAddress()
    {
        Schedule(end: "13:00");
        await using var station = await StartAsync(At(12, 5));
        var answers = new List<string>();
        for (var i = 0; i < LiveSources.FailuresAllowed + 2; i++)
        {
            using var source = await SourceClient.ConnectAsync(station, i % 2 == 0 ? "Alex Morgan" : "Nobody At All", "wrong");
            answers.Add(source.Answer);
        }
        Assert.All(answers.Take(LiveSources.FailuresAllowed), a => Assert.Equal(answers[0], a)); // unknown account and wrong password: the same bytes
        Assert.StartsWith("HTTP/1.0 401", answers[0], StringComparison.Ordinal);
        Assert.All(answers.Skip(LiveSources.FailuresAllowed), a => Assert.StartsWith("HTTP/1.0 429", a, StringComparison.Ordinal));
        using var right = await SourceClient.ConnectAsync(station, "Alex Morgan", HostPassword);
        Assert.StartsWith("HTTP/1.0 429", right.Answer, StringComparison.Ordinal); // even the right one, until the window passes
        station.Time!.Advance(LiveSources.FailureWindow);
        using var later = await SourceClient.ConnectAsync(station, "Alex Morgan", HostPassword);
        Assert.True(later.Accepted, later.Answer);
    }

    [Theory]
    [InlineData("trackEnd", 25, 15)] // soft show: the automation track runs on until the overrun cut at 12:05:20, then the host
    [InlineData("immediate", 5, null)] // on air as soon as connected, before the slot
    [InlineData("boundary", 2, -2)]
    public async Task TheTakeover_FollowsTheShowsRule(string takeover, int liveBy, int? notLiveAt)
    {
        Schedule(live: $"\"takeover\": \"{takeover}\"", boundary: "soft", end: "12:30");
        await using var station = await StartAsync(At(12, 4, 50));
        var live = station.App.Services.GetRequiredService<LiveSources>();
        using var host = await SourceClient.ConnectAsync(station, "Alex Morgan", HostPassword);
        Assert.True(host.Accepted, host.Answer);
        host.Send(Tone(1000, 120, "host.mp3"));
        var elapsed = 0;
        if (notLiveAt is { } before)
        {
            // Seconds after 12:05:00, the slot's start; the test starts at 12:04:50.
            elapsed = 10 + before;
            await SourceClient.AdvanceFedAsync(station, TimeSpan.FromSeconds(elapsed));
            Assert.False(station.Chain.LiveOnAir, $"live {before} s after the slot's start");
            Assert.Equal("standby", live.Status(false, false).State);
        }
        await SourceClient.AdvanceFedAsync(station, TimeSpan.FromSeconds(Math.Max(0, (takeover == "immediate" ? liveBy : 10 + liveBy) - elapsed)));
        Assert.True(station.Chain.LiveOnAir);
        Assert.Equal("onAir", live.Status(false, false).State);
    }

    [Fact]
    public async Task AHostInStandby_CanGoOnAirNow_AndEnd_FromTheHostsPage()
    {
        Schedule();
        await using var station = await StartAsync(At(12, 2));
        var live = station.App.Services.GetRequiredService<LiveSources>();
        using var http = new HttpClient { BaseAddress = station.BaseUri };
        Assert.Equal(HttpStatusCode.Conflict, (await PostAsync(http, "/api/live/go-now", HostKey)).StatusCode); // nobody waiting
        using var host = await SourceClient.ConnectAsync(station, "Alex Morgan", HostPassword);
        host.Send(Tone(1000, 60, "host.mp3"));
        await SourceClient.AdvanceFedAsync(station, TimeSpan.FromSeconds(2));
        Assert.False(station.Chain.LiveOnAir);
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(http, "/api/live/go-now", null)).StatusCode);
        var publicState = await http.GetFromJsonAsync<LiveStatus>("/api/live");
        Assert.Equal("standby", publicState!.State);
        Assert.Empty(publicState.Sources); // listeners see the state, not the sources

        Assert.Equal(HttpStatusCode.OK, (await PostAsync(http, "/api/live/go-now", HostKey)).StatusCode);
        await SourceClient.AdvanceFedAsync(station, TimeSpan.FromSeconds(1));
        Assert.True(station.Chain.LiveOnAir);

        using var sources = new HttpRequestMessage(HttpMethod.Get, "/api/live");
        sources.Headers.Authorization = new("Bearer", OperatorKey);
        var full = await (await http.SendAsync(sources)).Content.ReadFromJsonAsync<LiveStatus>();
        var source = Assert.Single(full!.Sources);
        Assert.Equal(("Alex Morgan", "test-source/1.0", "127.0.0.1", true), (source.Account, source.Client, source.Address, source.Heard));
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(http, $"/api/live/sources/{source.Id}/end?blockMinutes=5", HostKey)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await PostAsync(http, "/api/live/sources/999999/end", OperatorKey)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(http, $"/api/live/sources/{source.Id}/end?blockMinutes=0", OperatorKey)).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await PostAsync(http, $"/api/live/sources/{source.Id}/end?blockMinutes=5", OperatorKey)).StatusCode);
        Assert.True(await host.ClosedByServerAsync());
        using var blocked = await SourceClient.ConnectAsync(station, "Alex Morgan", HostPassword);
        Assert.Contains("An operator blocked this account until 12:07.", blocked.Answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMutedHost_GivesWayToAutomation_AfterTheSilenceFallback_UntilHeardAgain()
    {
        Schedule(live: "\"silenceFallbackSeconds\": 5", start: "12:00", end: "13:00");
        await using var station = await StartAsync(At(12, 10));
        using var host = await SourceClient.ConnectAsync(station, "Alex Morgan", HostPassword);
        var muted = Path.Combine(_folder.Path, "muted.mp3");
        TestAudio.WriteToneMp3(muted, 1000, 20, sampleRate: 48000, channels: 1, bitrateKbps: 64, amplitude: 0);
        var mp3 = Path.Combine(_folder.Path, "muted-then-talking.mp3");
        File.WriteAllBytes(mp3, [.. File.ReadAllBytes(muted), .. File.ReadAllBytes(Tone(1000, 30, "talking.mp3"))]);
        host.Send(mp3);
        await SourceClient.AdvanceFedAsync(station, TimeSpan.FromSeconds(3));
        Assert.True(station.Chain.LiveOnAir); // silent, but not for long yet
        // The jitter buffer drops quiet audio to catch up, so how fast the 20 s of sent silence is used depends on how
        // fast the test's client fills it: step half seconds and find the moments instead of reading fixed ones.
        var elapsed = 3.0;
        while (station.Chain.LiveOnAir && elapsed < 25)
        {
            await SourceClient.AdvanceFedAsync(station, TimeSpan.FromSeconds(0.5));
            elapsed += 0.5;
        }
        Assert.False(station.Chain.LiveOnAir); // muted: automation fills in
        Assert.True(elapsed >= 5, $"gave way after {elapsed} s, before the 5 s silence fallback");
        while (!station.Chain.LiveOnAir && elapsed < 45)
        {
            await SourceClient.AdvanceFedAsync(station, TimeSpan.FromSeconds(0.5));
            elapsed += 0.5;
        }
        Assert.True(station.Chain.LiveOnAir, $"not back on air after {elapsed} s"); // heard again: back on air
    }

    [Fact]
    public async Task AHostsAccount_CreatedByAnOperator_GoesLive_AndDisablingItEndsTheSource()
    {
        Schedule(start: "12:00", end: "13:00");
        await using var station = await StartAsync(At(12, 10), realAccounts: true);
        using var http = new HttpClient { BaseAddress = station.BaseUri };
        using (var create = new HttpRequestMessage(HttpMethod.Post, "/api/hosts") { Content = JsonContent.Create(new { name = "Alex Morgan", password = HostPassword }) })
        {
            create.Headers.Authorization = new("Bearer", OperatorKey);
            Assert.Equal(HttpStatusCode.Created, (await http.SendAsync(create)).StatusCode);
        }
        using var host = await SourceClient.ConnectAsync(station, "Alex Morgan", HostPassword);
        Assert.True(host.Accepted, host.Answer);
        host.Send(Tone(1000, 60, "host.mp3"));
        await SourceClient.AdvanceFedAsync(station, TimeSpan.FromSeconds(2));
        Assert.True(station.Chain.LiveOnAir);

        Assert.Equal(HttpStatusCode.OK, (await PostAsync(http, "/api/hosts/Alex%20Morgan/disable", OperatorKey)).StatusCode);
        Assert.True(await host.ClosedByServerAsync());
        Assert.Contains(station.Logs.Entries, e => e.EventId.Name == "SourceEnded" && e.Message.Contains("the account was disabled by an operator", StringComparison.Ordinal));
        using var again = await SourceClient.ConnectAsync(station, "Alex Morgan", HostPassword);
        Assert.Contains("This account is disabled.", again.Answer, StringComparison.Ordinal);
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient http, string path, string? key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path);
        if (key is not null)
        {
            request.Headers.Authorization = new("Bearer", key);
        }
        return http.SendAsync(request);
    }

    private const int Window = 256;

    /// <summary>The first sample of the first 256-sample window from <paramref name="from"/> holding a strong <paramref name="frequency"/>.</summary>
    private static int FirstWindowWith(float[] mono, int rate, double frequency, int from)
    {
        for (var start = Math.Max(0, from); start + Window <= mono.Length; start += Window / 4)
        {
            if (Goertzel(mono.AsSpan(start, Window), rate, frequency) > 0.1)
            {
                return start;
            }
        }
        return int.MaxValue;
    }

    /// <summary>The amplitude of <paramref name="frequency"/> in the window (a full-scale sine gives about 1).</summary>
    private static double Goertzel(ReadOnlySpan<float> window, int rate, double frequency)
    {
        var coefficient = 2 * Math.Cos(2 * Math.PI * frequency / rate);
        double s1 = 0, s2 = 0;
        foreach (var x in window)
        {
            var s0 = x + (coefficient * s1) - s2;
            s2 = s1;
            s1 = s0;
        }
        var power = (s1 * s1) + (s2 * s2) - (coefficient * s1 * s2);
        return 2 * Math.Sqrt(Math.Max(0, power)) / window.Length;
    }

    /// <summary>What the director asked of the recorder.</summary>
    private sealed class RecorderSpy : ILiveRecorder
    {
        public List<string> Calls { get; } = [];

        public long Frames { get; private set; }

        public void Begin(RecordingSlot slot)
        {
            lock (Calls)
            {
                Calls.Add($"begin {slot.ShowId} {slot.SlotStartStation:HH:mm}");
            }
        }

        public void Write(ReadOnlySpan<float> frame) => Frames++;

        public void End()
        {
            lock (Calls)
            {
                Calls.Add("end");
            }
        }
    }
}
