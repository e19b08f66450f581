using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using RadioServer.Edges;
using RadioServer.Streaming;
using RadioServer.Streaming.Connections;
using RadioServer.Tests.Infrastructure;
using Xunit.Abstractions;

namespace RadioServer.Tests.Edges;

/// <summary>
/// An origin and an edge in one run, both real servers on 127.0.0.1 on the real clock (the edge's silence and
/// back-off run on real time): the edge relays the origin's stream with its titles at the origin's positions, reports
/// its listeners, keeps them fed while the origin is away, and sends players elsewhere when it is full. Real-time, so
/// they run alone, as the real-time source clients do.
/// </summary>
[Collection(RealTimeSources.Name)]
public sealed class EdgeTests : IDisposable
{
    private const string Key = "edge-key-for-the-tests-0123456789";
    private const string First = "Alpha Band - First Song";
    private const string Second = "Beta Band - Second Song";
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(20);
    private readonly TempFolder _origin = new();
    private readonly TempFolder _edge = new();

    private readonly ITestOutputHelper _output;

    public EdgeTests(ITestOutputHelper output)
    {
        _output = output;
        TestAudio.WriteToneWav(_origin.File($"{First}.wav"), 600, seconds: 1.5);
        TestAudio.WriteToneWav(_origin.File($"{Second}.wav"), 900, seconds: 1.5);
    }

    public void Dispose()
    {
        _origin.Dispose();
        _edge.Dispose();
    }

    private Task<TestStation> StartOriginAsync(string urls = "http://127.0.0.1:0", params (string Key, string Value)[] more)
    {
        var settings = new Dictionary<string, string?> { ["Radio:EdgeKey"] = Key, ["Radio:Sound:Normalize"] = "false" };
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }
        return TestStation.StartAsync(_origin.Media, settings, fakeTime: false, urls: urls);
    }

    private Task<TestStation> StartEdgeAsync(TestStation origin, Action<IServiceCollection>? services = null, params (string Key, string Value)[] more)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Radio:Origin"] = origin.BaseUri.ToString(),
            ["Radio:EdgeKey"] = Key,
            ["Radio:EdgeReportSeconds"] = "0.5",
        };
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }
        return TestStation.StartAsync(_edge.Media, settings, fakeTime: false, services: services);
    }

    [Fact]
    public async Task EdgePlayer_DecodesTheOriginsStream_AndHearsItsTitleChangeAtTheOriginsPositions()
    {
        await using var origin = await StartOriginAsync();
        var originMarks = new List<TrackMark>();
        origin.Chain.TrackChanged += m => { lock (originMarks) { originMarks.Add(m); } };
        await using var edge = await StartEdgeAsync(origin, more: ("Radio:MetaInt", "2000"));
        var edgeMarks = new List<TrackMark>();
        edge.Chain.TrackChanged += m => { lock (edgeMarks) { edgeMarks.Add(m); } };
        // When each title change was published, on the origin and on the edge (both raise it right after publishing).
        var published = new System.Collections.Concurrent.ConcurrentDictionary<(string Node, long Position), long>();
        origin.Chain.TrackChanged += m => published[("origin", m.Position)] = TimeProvider.System.GetTimestamp();
        edge.Chain.TrackChanged += m => published[("edge", m.Position)] = TimeProvider.System.GetTimestamp();
        await Until(() => edge.Buffer.EndPosition > 0, "the edge's first audio");

        await using var player = await StreamClient.ConnectAsync(edge.Url("/stream"), icyMetadata: true);
        Assert.Equal(200, player.StatusCode);
        Assert.Equal(2000, player.MetaInt);
        // Both titles, in turn: the origin's change reaches the edge's player as ICY.
        await Until(() => player.Blocks.Select(b => b.StreamTitle).Where(t => t is not null).Distinct().Count() >= 2 && player.AudioBytes > 60_000, "both titles at the edge's player");
        await Until(() => { lock (edgeMarks) { return edgeMarks.Count >= 2; } }, "a title change relayed while the test watched");

        var titles = player.Blocks.Select(b => b.StreamTitle).Where(t => t is not null).ToList();
        Assert.Contains(First, titles);
        Assert.Contains(Second, titles);
        var audio = player.Audio;
        var frames = TestAudio.Frames(audio);
        Assert.All(frames, f => Assert.Equal((128, 44100), (f.BitrateKbps, f.SampleRate)));
        var (samples, rate, channels) = TestAudio.DecodeMp3(audio);
        Assert.Equal((44100, 2), (rate, channels));
        Assert.True(TestAudio.Rms(samples) > 0.1, "the edge's player hears the tones, not silence");

        // Stream positions carry over: each title change the edge saw starts where the origin marked it.
        TrackMark[] seenAtEdge;
        lock (edgeMarks)
        {
            seenAtEdge = [.. edgeMarks.Skip(1)]; // the first may be the track the edge joined in, marked before this test listened at the origin
        }
        Assert.NotEmpty(seenAtEdge);
        lock (originMarks)
        {
            foreach (var mark in seenAtEdge)
            {
                var atOrigin = Assert.Single(originMarks, m => m.Position == mark.Position);
                Assert.Equal(atOrigin.StreamTitle, mark.StreamTitle);
                Assert.Equal(atOrigin.HeardPosition, mark.HeardPosition); // NOW PLAYING waits for the same sound on both
                Assert.Equal(atOrigin.Track?.Artist, mark.Track?.Artist);
            }
        }
        // The delay the edge adds: from the origin's publish of a title's first chunk to the edge's, over loopback.
        var delays = seenAtEdge.Where(m => published.ContainsKey(("origin", m.Position)) && published.ContainsKey(("edge", m.Position)))
            .Select(m => TimeProvider.System.GetElapsedTime(published[("origin", m.Position)], published[("edge", m.Position)]).TotalMilliseconds).ToList();
        Assert.NotEmpty(delays);
        _output.WriteLine($"edge publish delay after the origin's: {string.Join(", ", delays.Select(d => $"{d:0.0} ms"))}");
        Assert.All(delays, d => Assert.InRange(d, 0, 1000)); // generous: the CI box is shared; the goal (under 100 ms) is measured by bench/cluster.sh

        // The edge's own hub state (what its browsers get) names the origin's track with the origin's position.
        var snapshot = edge.App.Services.GetRequiredService<RadioServer.NowPlaying.StationSnapshot>();
        await Until(() => snapshot.State().NowPlaying is { } now && now.StreamPosition == edge.Buffer.CurrentTrack!.HeardPosition && now.StreamPosition > seenAtEdge[0].HeardPosition - 1, "the edge's hub to name the track on air");
        var nowPlaying = snapshot.State().NowPlaying!;
        lock (originMarks)
        {
            Assert.Contains(originMarks, m => m.HeardPosition == nowPlaying.StreamPosition && m.StreamTitle == nowPlaying.DisplayTitle);
        }
        // This edge encoded nothing of its own: its air chain never ran.
        Assert.Equal(0, edge.Chain.SamplesProduced);
    }

    [Fact]
    public async Task EdgeListeners_ReachTheOriginsTotal_AndThePullIsNoListener()
    {
        await using var origin = await StartOriginAsync();
        await using var edge = await StartEdgeAsync(origin, more: ("Radio:EdgeName", "edge-one"));
        await Until(() => edge.Buffer.EndPosition > 0, "the edge's first audio");
        var a = await StreamClient.ConnectAsync(edge.Url("/stream"));
        var b = await StreamClient.ConnectAsync(edge.Url("/stream"));
        await using var c = await StreamClient.ConnectAsync(origin.Url("/stream"));
        using var http = new HttpClient { BaseAddress = origin.BaseUri };

        JsonElement edges = default;
        await UntilAsync(async () =>
        {
            edges = await EdgesSectionAsync(http);
            return edges.GetProperty("stationListeners").GetInt32() == 3;
        }, "the origin's total to count the edge's two players");
        Assert.Equal("origin", edges.GetProperty("role").GetString());
        Assert.Equal(1, edges.GetProperty("ownListeners").GetInt32()); // the edge's pull is not a listener here
        Assert.Equal(1, edges.GetProperty("pulls").GetInt32());
        var share = Assert.Single(edges.GetProperty("edges").EnumerateArray());
        Assert.Equal("edge-one", share.GetProperty("name").GetString());
        Assert.Equal(2, share.GetProperty("listeners").GetInt32());
        Assert.True(share.GetProperty("originConnected").GetBoolean());
        Assert.Equal(1, origin.Listeners.Count);

        using (var icecast = JsonDocument.Parse(await http.GetStringAsync("/status-json.xsl")))
        {
            Assert.Equal(3, icecast.RootElement.GetProperty("icestats").GetProperty("source").GetProperty("listeners").GetInt32());
        }
        var metrics = await http.GetStringAsync("/metrics");
        Assert.Contains("radio_station_listeners 3", metrics, StringComparison.Ordinal);
        Assert.Contains("radio_edge_listeners{edge=\"edge-one\"} 2", metrics, StringComparison.Ordinal);
        Assert.Contains("radio_listeners 1", metrics, StringComparison.Ordinal);

        // The edge knows the station's total too, from the origin's answer.
        using var edgeHttp = new HttpClient { BaseAddress = edge.BaseUri };
        var atEdge = await EdgesSectionAsync(edgeHttp);
        Assert.Equal("edge", atEdge.GetProperty("role").GetString());
        Assert.Equal(2, atEdge.GetProperty("ownListeners").GetInt32());
        Assert.True(atEdge.GetProperty("origin").GetProperty("connected").GetBoolean());

        // Players leave the edge: the origin's total follows within a report or two.
        await a.DisposeAsync();
        await b.DisposeAsync();
        await UntilAsync(async () => (await EdgesSectionAsync(http)).GetProperty("stationListeners").GetInt32() == 1, "the total to drop back to 1");
    }

    [Fact]
    public async Task OriginGoneForThreeSeconds_EdgeListenerHearsSilenceMeanwhile_IsNotDropped_AndHearsTheOriginAgain()
    {
        var origin = await StartOriginAsync();
        var port = origin.BaseUri.Port;
        await using var edge = await StartEdgeAsync(origin, more: ("Radio:OriginAlarmSeconds", "2"));
        await Until(() => edge.Buffer.EndPosition > 0, "the edge's first audio");
        await using var player = await StreamClient.ConnectAsync(edge.Url("/stream"));
        await player.WaitForAudioAsync(20_000);

        await origin.DisposeAsync();
        var atStop = player.AudioBytes;
        var positionAtStop = edge.Buffer.EndPosition;
        // Three seconds of the origin away: the player keeps receiving at the stream's rate (16,000 bytes a second), silence.
        await Until(() => player.AudioBytes - atStop >= 3 * 16_000, "three seconds of audio while the origin is away");
        Assert.False(player.Completion.IsCompleted, "the edge's listener was dropped");
        Assert.Equal(1, edge.Listeners.Count);
        var relay = edge.App.Services.GetRequiredService<OriginRelay>().Status(false, 0);
        Assert.False(relay.Connected);
        Assert.True(relay.SilenceSeconds >= 2, $"{relay.SilenceSeconds} s of silence");
        Assert.True(relay.Alarm, "an outage past Radio:OriginAlarmSeconds alarms");
        Assert.NotNull(relay.LastError);
        Assert.InRange(edge.Buffer.EndPosition - positionAtStop, 3 * 16_000, 8 * 16_000); // positions ran on at about real time
        Assert.Contains(edge.Logs.Entries, e => e.EventId.Name == "OriginOutage");

        // The origin back on the same address: the edge reconnects by itself and the same listener hears it.
        await using var back = await StartOriginAsync(urls: $"http://127.0.0.1:{port}");
        await Until(() => edge.App.Services.GetRequiredService<OriginRelay>().Connected, "the edge to reconnect");
        var atBack = player.AudioBytes;
        await player.WaitForAudioAsync(atBack + 40_000);
        Assert.False(player.Completion.IsCompleted);
        Assert.Equal(1, edge.Listeners.Count);
        var audio = player.Audio;
        TestAudio.Frames(audio); // whole frames throughout: the origin's, the silence, the origin's again
        var (samples, _, _) = TestAudio.DecodeMp3(audio);
        var mono = TestAudio.Channel(samples, 2, 0);
        var stopAt = (int)(atStop / 16_000.0 * 44_100);
        Assert.True(TestAudio.LongestSilence(mono, 44_100, skipStart: stopAt) >= 2.5, "the outage is heard as silence");
        var tail = mono.AsSpan(mono.Length - 22_050);
        Assert.True(TestAudio.Rms(tail) > 0.1, "after the outage the origin's tones again");
        var status = edge.App.Services.GetRequiredService<OriginRelay>().Status(false, 0);
        Assert.False(status.Alarm);
        Assert.Null(status.LastError);
        Assert.True(status.Connects >= 2);
    }

    [Fact]
    public async Task EdgeRequests_WithoutOrWithAWrongKey_AreRefusedWithAReason()
    {
        await using var origin = await TestStation.StartAsync(_origin.Media, new Dictionary<string, string?> { ["Radio:EdgeKey"] = Key });
        using var http = new HttpClient { BaseAddress = origin.BaseUri };
        var report = new EdgeReport("edge-x", "http://127.0.0.1:9", 5, 100, true);

        using var none = await http.PostAsJsonAsync("/api/edges/report", report);
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Contains("X-Edge-Key", await none.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var wrong = new HttpRequestMessage(HttpMethod.Post, "/api/edges/report") { Content = JsonContent.Create(report) };
        wrong.Headers.Add("X-Edge-Key", "not-the-key-at-all-0000");
        using var refused = await http.SendAsync(wrong);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("Wrong edge key", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var pull = await http.GetAsync("/api/edges/stream");
        Assert.Equal(HttpStatusCode.Unauthorized, pull.StatusCode);

        using var bad = new HttpRequestMessage(HttpMethod.Post, "/api/edges/report") { Content = new StringContent("{\"name\":\"\",\"listeners\":-1}", Encoding.UTF8, "application/json") };
        bad.Headers.Add("X-Edge-Key", Key);
        using var badAnswer = await http.SendAsync(bad);
        Assert.Equal(HttpStatusCode.BadRequest, badAnswer.StatusCode);

        // Nothing refused was counted.
        var edges = await EdgesSectionAsync(http);
        Assert.Equal(0, edges.GetProperty("stationListeners").GetInt32());
        Assert.Empty(edges.GetProperty("edges").EnumerateArray());
        Assert.Equal(3, origin.Logs.Entries.Count(e => e.EventId.Name == "EdgeKeyRefused")); // no key, a wrong key, a pull without a key
    }

    [Fact]
    public async Task FullEdge_SendsPlayersToAnEdgeWithRoom_Or503WhenNoneHas()
    {
        await using var origin = await StartOriginAsync();
        // The edge's descriptor budget has room for one connection (its open-file limit is the spare plus one).
        await using var edge = await StartEdgeAsync(origin, services: s => s.Replace(ServiceDescriptor.Singleton(new DescriptorBudget(() => DescriptorBudget.Spare + 1, () => 0))));
        using var http = new HttpClient { BaseAddress = origin.BaseUri };
        await Until(() => edge.Buffer.EndPosition > 0, "the edge's first audio");
        await ReportAsync(http, new EdgeReport("edge-b", "http://127.0.0.1:9", 0, 50, true));

        StreamClient? first = null;
        await UntilAsync(async () =>
        {
            // The edge's start-up self-check may hold the one place for a moment.
            var client = await StreamClient.ConnectAsync(edge.Url("/stream"));
            if (client.StatusCode == 200)
            {
                first = client;
                return true;
            }
            await client.DisposeAsync();
            return false;
        }, "the first player on the edge");
        await using var _ = first!;

        StreamClient? redirected = null;
        await UntilAsync(async () =>
        {
            await ReportAsync(http, new EdgeReport("edge-b", "http://127.0.0.1:9", 0, 50, true));
            await using var client = await StreamClient.ConnectAsync(edge.Url("/stream?ref=test"), read: false);
            if (client.StatusCode == 302)
            {
                redirected = client;
                return true;
            }
            return false;
        }, "a redirect from the full edge");
        Assert.Equal("http://127.0.0.1:9/stream?ref=test", redirected!.Headers["Location"]);

        // edge-b is full too: nobody has room.
        await UntilAsync(async () =>
        {
            await ReportAsync(http, new EdgeReport("edge-b", "http://127.0.0.1:9", 50, 0, true));
            await using var client = await StreamClient.ConnectAsync(edge.Url("/stream"), read: false);
            return client.StatusCode == 503;
        }, "503 once no node has room");
        Assert.False(first!.Completion.IsCompleted, "the player that was in keeps playing");
        Assert.True(edge.App.Services.GetRequiredService<Overflow>().Redirected >= 1);
    }

    [Fact]
    public async Task LiveSource_OnAnEdge_IsRefusedWithTheReason_BeforeAnyPasswordCheck()
    {
        await using var origin = await StartOriginAsync();
        await using var edge = await StartEdgeAsync(origin, more: ("Radio:Live:MasterPassword", "edge-master-password"));
        // The right password and a wrong one get the same answer: an edge plays the origin's frames only.
        foreach (var password in new[] { "edge-master-password", "wrong" })
        {
            using var source = await SourceClient.ConnectAsync(edge, "source", password);
            Assert.False(source.Accepted, source.Answer);
            Assert.StartsWith("HTTP/1.0 403 Forbidden", source.Answer, StringComparison.Ordinal);
            Assert.Contains("connect live sources to the origin", source.Answer, StringComparison.Ordinal);
            Assert.DoesNotContain(origin.BaseUri.Authority, source.Answer, StringComparison.Ordinal); // where the origin is stays unsaid
        }
        var live = edge.App.Services.GetRequiredService<RadioServer.Live.LiveSources>();
        Assert.Equal(2, live.Refusals["edge"]);
        Assert.Equal(0, live.Connects);
    }

    [Fact]
    public async Task EdgeWithAWrongOrigin_SaysSoInTheLog_AndKeepsRetrying()
    {
        // A server that is not a radio origin (this station without the relay: its /api/edges/stream is 403, no key set).
        await using var notAnOrigin = await TestStation.StartAsync(_origin.Media);
        var settings = new Dictionary<string, string?> { ["Radio:Origin"] = notAnOrigin.BaseUri.ToString(), ["Radio:EdgeKey"] = Key };
        await using var edge = await TestStation.StartAsync(_edge.Media, settings, fakeTime: false);
        await Until(() => edge.Logs.Entries.Any(e => e.EventId.Name == "OriginUnreachable"), "the edge to say the origin is wrong");
        var said = edge.Logs.Entries.First(e => e.EventId.Name == "OriginUnreachable").Message;
        Assert.Contains("refused", said, StringComparison.Ordinal);
        var relay = edge.App.Services.GetRequiredService<OriginRelay>();
        await Until(() => relay.Status(false, 0).Attempts >= 2, "a retry");
        var status = relay.Status(false, 0);
        Assert.False(status.Connected);
        Assert.Equal(0, status.Connects);
        Assert.Contains("refused", status.LastError, StringComparison.Ordinal);
        Assert.Single(edge.Logs.Entries, e => e.EventId.Name == "OriginUnreachable"); // said once, not once a retry
        Assert.Equal(0, edge.Buffer.EndPosition); // nothing relayed, nothing made up
    }

    [Fact]
    public async Task OriginSendingGarbage_ThenHanging_NeverStallsTheEdgesListener_AndIsRetried()
    {
        var origin = await StartOriginAsync();
        var port = origin.BaseUri.Port;
        await using var edge = await StartEdgeAsync(origin);
        await Until(() => edge.Buffer.EndPosition > 0, "the edge's first audio");
        await using var player = await StreamClient.ConnectAsync(edge.Url("/stream"));
        await player.WaitForAudioAsync(20_000);
        await origin.DisposeAsync();

        // On the origin's address now: something that answers like an origin, then sends garbage (first) or nothing (after).
        await using var fake = new FakeOrigin(port);
        var atSwitch = player.AudioBytes;
        var relay = edge.App.Services.GetRequiredService<OriginRelay>();
        await Until(() => edge.Logs.Entries.Any(e => e.EventId.Name == "OriginUnreachable" && e.Message.Contains("MP3 frames", StringComparison.Ordinal)), "the garbage to be said", edge);
        // The one that answers and then says nothing is given up too, and tried again.
        await Until(() => fake.Connections >= 3, "the quiet connection to be given up and retried", edge);
        Assert.False(player.Completion.IsCompleted, "the edge's listener was dropped");
        Assert.Equal(1, edge.Listeners.Count);
        // Fed at the stream's rate all along: never more than a couple of seconds behind real time, far inside the queue limit.
        var session = Assert.Single(edge.Listeners.Sessions);
        Assert.InRange(edge.Buffer.EndPosition - session.Position, 0, 64 * 1024);
        Assert.True(player.AudioBytes - atSwitch >= 5 * 16_000, $"{player.AudioBytes - atSwitch} bytes while the origin misbehaved");
        TestAudio.Frames(player.Audio); // nothing of the garbage reached the player
        Assert.False(relay.Status(false, 0).Connected);
    }

    /// <summary>Answers the relay's request with an origin's headers and a title, then garbage audio (the first time) or nothing.</summary>
    private sealed class FakeOrigin : IAsyncDisposable
    {
        private readonly System.Net.Sockets.TcpListener _listener;
        private readonly List<System.Net.Sockets.Socket> _held = [];
        private readonly Task _accepting;
        private int _connections;

        public FakeOrigin(int port)
        {
            _listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, port);
            _listener.Start();
            _accepting = Task.Run(AcceptAsync);
        }

        /// <summary>The relay's pulls so far.</summary>
        public int Connections => Volatile.Read(ref _connections);

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    var socket = await _listener.AcceptSocketAsync();
                    lock (_held)
                    {
                        _held.Add(socket);
                    }
                    var head = new byte[4096];
                    var got = await socket.ReceiveAsync(head);
                    if (!head.AsSpan(0, got).StartsWith("GET /api/edges/stream"u8))
                    {
                        await socket.SendAsync("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray());
                        socket.Shutdown(System.Net.Sockets.SocketShutdown.Send);
                        continue; // the edge's reports: not what this test is about
                    }
                    var n = Interlocked.Increment(ref _connections);
                    var mark = Encoding.UTF8.GetBytes("{\"position\":0,\"streamTitle\":\"Fake\",\"startedAt\":\"2026-11-26T12:00:00Z\",\"title\":\"Fake\",\"durationSeconds\":0}");
                    var answer = new MemoryStream();
                    answer.Write("HTTP/1.1 200 OK\r\nContent-Type: application/x-radio-relay\r\nX-Radio-Position: 0\r\nX-Radio-Bitrate: 128\r\n\r\n"u8);
                    answer.WriteByte((byte)'T');
                    answer.Write([0, 0, (byte)(mark.Length >> 8), (byte)mark.Length]);
                    answer.Write(mark);
                    if (n == 1)
                    {
                        answer.Write("A"u8);
                        answer.Write([0, 0, 0x07, 0xD8]); // 2,008 bytes: a position and 2,000 of garbage
                        answer.Write(new byte[8]);
                        answer.Write(Enumerable.Repeat((byte)0x55, 2000).ToArray());
                    }
                    await socket.SendAsync(answer.ToArray());
                }
            }
            catch (Exception ex) when (ex is System.Net.Sockets.SocketException or ObjectDisposedException)
            {
            }
        }

        public async ValueTask DisposeAsync()
        {
            _listener.Stop();
            await _accepting;
            lock (_held)
            {
                _held.ForEach(s => s.Dispose());
            }
        }
    }

    private static async Task ReportAsync(HttpClient http, EdgeReport report)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/edges/report") { Content = JsonContent.Create(report) };
        request.Headers.Add("X-Edge-Key", Key);
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
    }

    private static async Task<JsonElement> EdgesSectionAsync(HttpClient http)
    {
        using var status = JsonDocument.Parse(await http.GetStringAsync("/api/status"));
        return status.RootElement.GetProperty("edges").Clone();
    }

    private static Task Until(Func<bool> condition, string what, TestStation? logsOf = null) => UntilAsync(() => Task.FromResult(condition()), what, logsOf);

    private static async Task UntilAsync(Func<Task<bool>> condition, string what, TestStation? logsOf = null)
    {
        using var deadline = new CancellationTokenSource(s_deadline);
        while (!await condition())
        {
            if (deadline.IsCancellationRequested)
            {
                var logs = logsOf is null ? "" : "\n" + string.Join("\n", logsOf.Logs.Entries.Where(e => e.Category.StartsWith("RadioServer.Edges", StringComparison.Ordinal)).Select(e => $"{e.EventId.Name}: {e.Message}"));
                throw new TimeoutException($"Waited {s_deadline.TotalSeconds:0} s for {what}.{logs}");
            }
            await Task.Delay(50);
        }
    }
}
