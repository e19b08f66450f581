using System.Globalization;
using System.Net.Http.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;
using RadioServer.Backplane;
using RadioServer.NowPlaying;
using RadioServer.Operations;
using RadioServer.Streaming;
using RadioServer.Tests.Infrastructure;
using RadioServer.Tests.Operations;

namespace RadioServer.Tests.Backplane;

/// <summary>
/// Two ordinary stations (A and B, each with its own air chain and fake clock) sharing one real redis-server and one
/// channel prefix, as the nodes of one station would: what A publishes reaches B's clients, and Redis going away and
/// coming back costs neither node its audio or its own clients. Only A's clock is stepped where B's clients must hear
/// from A alone, so every message a B client gets in those steps is A's.
/// </summary>
public sealed class RedisBackplaneTests : IAsyncLifetime
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(20);
    private readonly TempFolder _a = new();
    private readonly TempFolder _b = new();
    private readonly string _prefix = $"radioserver-test-{Guid.NewGuid():N}:";
    private RedisServer _redis = null!;

    public RedisBackplaneTests()
    {
        TestAudio.WriteToneWav(_a.File("Alpha - One.wav"), 500, 2);
        TestAudio.WriteToneWav(_a.File("Beta - Two.wav"), 700, 2);
        TestAudio.WriteToneWav(_b.File("Gamma - Three.wav"), 900, 2);
        foreach (var folder in new[] { _a, _b })
        {
            File.WriteAllText(Path.Combine(folder.Path, "schedule.json"), """
                { "timeZone": "UTC", "automation": { "title": "Night Automation", "playlist": { "items": ["."] } }, "shows": [] }
                """);
        }
    }

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _redis.DisposeAsync();
        _a.Dispose();
        _b.Dispose();
    }

    [Fact]
    public async Task NowPlayingOnNodeA_ReachesAPlayerOnNodeB_WithItsStreamPosition_AndOperatorsOnBGetAsUpdates()
    {
        await using var a = await StartAsync(_a, "A FM");
        await using var b = await StartAsync(_b, "B FM");
        await Poll.UntilAsync(async () => (await Operators.StatusAsync(a)).Redis.Connected && (await Operators.StatusAsync(b)).Redis.Connected, "both nodes connected to Redis");
        await using var player = await HubPlayer.ConnectAsync(b);
        var state = await player.States.Reader.ReadAsync().AsTask().WaitAsync(s_deadline);
        Assert.Equal("B FM", state.Station.Name); // the state on connect: the node's own snapshot
        await using var op = await Operators.HubOperator.JoinAsync(b);
        var marks = Channel.CreateUnbounded<TrackMark>();
        a.Chain.TrackChanged += m => marks.Writer.TryWrite(m);

        await a.AdvanceAsync(TimeSpan.FromSeconds(5));

        var expected = new List<TrackMark>();
        while (marks.Reader.TryRead(out var mark))
        {
            expected.Add(mark);
        }
        Assert.True(expected.Count >= 2, $"{expected.Count} track changes on A");
        foreach (var mark in expected)
        {
            var track = await NextFromAAsync(player);
            Assert.Equal(mark.StreamTitle, track.DisplayTitle);
            Assert.Equal(mark.HeardPosition, track.StreamPosition);
            Assert.Equal(mark.HeardPosition * 8 / 128_000.0, track.StreamTime, 3);
        }
        // The operators' group across nodes: A's once-a-second update reaches the dashboard on B.
        var update = await op.Updates.Reader.ReadAsync().AsTask().WaitAsync(s_deadline);
        Assert.Equal("A FM", update.Status.Server.Station);
        Assert.Equal(0, (await Operators.StatusAsync(a)).Redis.PublishFailures);
        Assert.Equal(_prefix, (await Operators.StatusAsync(b)).Redis.ChannelPrefix);
    }

    [Fact]
    public async Task RedisKilledAndRestarted_BothNodesKeepStreamingAndServingTheirOwnPlayers_AndPlayersGetTheStateAgain()
    {
        await using var a = await StartAsync(_a, "A FM");
        await using var b = await StartAsync(_b, "B FM");
        await Poll.UntilAsync(async () => (await Operators.StatusAsync(a)).Redis.Connected && (await Operators.StatusAsync(b)).Redis.Connected, "both nodes connected to Redis");
        await using var listenerA = await StreamClient.ConnectAsync(a.Url("/stream"));
        await using var listenerB = await StreamClient.ConnectAsync(b.Url("/stream"));
        await using var playerA = await HubPlayer.ConnectAsync(a);
        await using var playerB = await HubPlayer.ConnectAsync(b);
        await playerA.States.Reader.ReadAsync().AsTask().WaitAsync(s_deadline);
        await playerB.States.Reader.ReadAsync().AsTask().WaitAsync(s_deadline);

        await _redis.KillAsync();
        await Poll.UntilAsync(async () => !(await Operators.StatusAsync(a)).Redis.Connected && !(await Operators.StatusAsync(b)).Redis.Connected, "both nodes to see Redis gone");

        // The air and the listeners go on; each node's hub serves its own players from its own air chain.
        var marks = Channel.CreateUnbounded<TrackMark>();
        a.Chain.TrackChanged += m => marks.Writer.TryWrite(m);
        var bytesA = listenerA.AudioBytes;
        var bytesB = listenerB.AudioBytes;
        await a.AdvanceAsync(TimeSpan.FromSeconds(3));
        await b.AdvanceAsync(TimeSpan.FromSeconds(3));
        await listenerA.WaitForAudioAsync(bytesA + 32_000, s_deadline);
        await listenerB.WaitForAudioAsync(bytesB + 32_000, s_deadline);
        Assert.True(marks.Reader.TryRead(out var during), "A changed tracks while Redis was down");
        var heard = await ReceivedAsync(playerA, during.HeardPosition);
        Assert.Equal(during.StreamTitle, heard.DisplayTitle);
        var metrics = await MetricsAsync(a);
        Assert.True(metrics["radio_redis_publish_failures_total"] > 0, "messages that missed the other node are counted");
        Assert.Equal(0, metrics["radio_redis_connected"]);
        Assert.Contains(a.Logs.Entries, e => e.EventId.Name == "RedisLost");

        await _redis.StartAgainAsync();
        await Poll.UntilAsync(async () => (await Operators.StatusAsync(a)).Redis.Connected && (await Operators.StatusAsync(b)).Redis.Connected, "both nodes to reconnect");

        // Back: each node gives its players the whole state again, and A's messages reach B's players once more.
        var again = await playerB.States.Reader.ReadAsync().AsTask().WaitAsync(s_deadline);
        Assert.Equal("B FM", again.Station.Name);
        await playerA.States.Reader.ReadAsync().AsTask().WaitAsync(s_deadline);
        while (marks.Reader.TryRead(out _))
        {
        }
        while (playerB.Tracks.Reader.TryRead(out _))
        {
        }
        await a.AdvanceAsync(TimeSpan.FromSeconds(3));
        Assert.True(marks.Reader.TryRead(out var after), "A changed tracks after Redis came back");
        var track = await ReceivedAsync(playerB, after.HeardPosition);
        Assert.Equal(after.StreamTitle, track.DisplayTitle);
        Assert.Equal(1, (await Operators.StatusAsync(a)).Redis.Reconnects);
        Assert.Contains(a.Logs.Entries, e => e.EventId.Name == "RedisRestored");
    }

    [Fact]
    public async Task RedisDownAtStart_TheStationStartsAndServesItsOwnPlayers_ThenUsesRedisOnceItAnswers()
    {
        await _redis.KillAsync();
        await using var a = await StartAsync(_a, "A FM");
        await using var player = await HubPlayer.ConnectAsync(a);
        var state = await player.States.Reader.ReadAsync().AsTask().WaitAsync(s_deadline);
        Assert.Equal("A FM", state.Station.Name);
        var status = await Operators.StatusAsync(a);
        Assert.True(status.Redis.Enabled);
        Assert.False(status.Redis.Connected);
        await a.AdvanceAsync(TimeSpan.FromSeconds(3));
        await player.Tracks.Reader.ReadAsync().AsTask().WaitAsync(s_deadline);

        await _redis.StartAgainAsync();
        await Poll.UntilAsync(async () => (await Operators.StatusAsync(a)).Redis.Connected, "the node to connect");
        await player.States.Reader.ReadAsync().AsTask().WaitAsync(s_deadline); // the whole state again
        await using var b = await StartAsync(_b, "B FM");
        await Poll.UntilAsync(async () => (await Operators.StatusAsync(b)).Redis.Connected, "node B to connect");
        await using var playerB = await HubPlayer.ConnectAsync(b);
        var marks = Channel.CreateUnbounded<TrackMark>();
        a.Chain.TrackChanged += m => marks.Writer.TryWrite(m);
        await a.AdvanceAsync(TimeSpan.FromSeconds(3));
        Assert.True(marks.Reader.TryRead(out var mark));
        var track = await ReceivedAsync(playerB, mark.HeardPosition);
        Assert.Equal(mark.StreamTitle, track.DisplayTitle);
    }

    [Fact]
    public async Task SlowRedis_NeverHoldsUpTheAirOrAPlayersConnect()
    {
        await using var a = await StartAsync(_a, "A FM");
        await Poll.UntilAsync(async () => (await Operators.StatusAsync(a)).Redis.Connected, "the node to connect");
        await using var listener = await StreamClient.ConnectAsync(a.Url("/stream"));
        await using var before = await HubPlayer.ConnectAsync(a);
        var marks = Channel.CreateUnbounded<TrackMark>();
        a.Chain.TrackChanged += m => marks.Writer.TryWrite(m);

        var answered = await _redis.StallAsync(seconds: 6);
        var bytes = listener.AudioBytes;
        await a.AdvanceAsync(TimeSpan.FromSeconds(3));
        await listener.WaitForAudioAsync(bytes + 32_000, s_deadline);
        Assert.False(answered.IsCompleted, "the audio came while Redis was still stalled");
        await using var during = await HubPlayer.ConnectAsync(a); // waits for Redis at most a second
        var state = await during.States.Reader.ReadAsync().AsTask().WaitAsync(s_deadline);
        Assert.Equal("A FM", state.Station.Name);
        Assert.False(answered.IsCompleted, "a player connected and got its state while Redis was still stalled");

        // Once Redis answers, what was published meanwhile has reached the players, through Redis or, where a publish
        // timed out, from this node itself.
        await answered.WaitAsync(s_deadline);
        Assert.True(marks.Reader.TryRead(out var mark), "A changed tracks while Redis was stalled");
        var track = await ReceivedAsync(before, mark.HeardPosition);
        Assert.Equal(mark.StreamTitle, track.DisplayTitle);
    }

    [Theory]
    [InlineData("127.0.0.1:6379,nosuchoption=1", "Radio:Redis is not a StackExchange.Redis configuration string")]
    [InlineData(",", "Radio:Redis names no server")]
    public async Task Start_BadRedisSetting_IsRefusedWithTheReason(string setting, string expected)
    {
        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(
            () => TestStation.StartAsync(_a.Media, new Dictionary<string, string?> { ["Radio:Redis"] = setting }));
        Assert.Contains(error.Failures, f => f.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ChannelPrefix_DefaultsToTheStationName_AndWithoutRedisTheStatusSaysOff()
    {
        await using (var station = await TestStation.StartAsync(_a.Media, new Dictionary<string, string?> { ["Radio:StationName"] = "My Radio FM!", ["Radio:Redis"] = _redis.Configuration }))
        {
            await Poll.UntilAsync(async () => (await Operators.StatusAsync(station)).Redis.Connected, "the node to connect");
            var status = (await Operators.StatusAsync(station)).Redis;
            Assert.Equal("radioserver:my-radio-fm:", status.ChannelPrefix);
            Assert.True(status.PublishesStation);
        }
        await using var alone = await TestStation.StartAsync(_a.Media);
        var off = (await Operators.StatusAsync(alone)).Redis;
        Assert.False(off.Enabled);
        Assert.False(off.Connected);
        Assert.Null(off.ChannelPrefix);
        Assert.Equal(0, (await MetricsAsync(alone))["radio_redis_connected"]);
    }

    private Task<TestStation> StartAsync(TempFolder folder, string name) =>
        TestStation.StartAsync(folder.Media, Operators.Settings(
            ("Radio:StationName", name), ("Radio:Redis", _redis.Configuration), ("Radio:RedisChannelPrefix", _prefix)));

    /// <summary>
    /// The next track change from A's air chain. B is an ordinary station too, so it publishes its own (its first track,
    /// when its air chain starts) to every node; B plays only Gamma - Three, A never does.
    /// </summary>
    private static async Task<TrackMessage> NextFromAAsync(HubPlayer player)
    {
        while (true)
        {
            var track = await player.Tracks.Reader.ReadAsync().AsTask().WaitAsync(s_deadline);
            if (track.DisplayTitle != "Gamma - Three")
            {
                return track;
            }
        }
    }

    /// <summary>The player's <c>nowPlaying</c> for the track that starts at <paramref name="position"/> (earlier ones skipped); fails after the deadline.</summary>
    private static async Task<TrackMessage> ReceivedAsync(HubPlayer player, long position)
    {
        while (true)
        {
            var track = await player.Tracks.Reader.ReadAsync().AsTask().WaitAsync(s_deadline);
            if (track.StreamPosition == position)
            {
                return track;
            }
        }
    }

    private static async Task<Dictionary<string, double>> MetricsAsync(TestStation station)
    {
        using var http = Operators.Http(station, key: null);
        var text = await http.GetStringAsync("/metrics");
        return text.Split('\n').Where(l => l.StartsWith("radio_redis_", StringComparison.Ordinal))
            .Select(l => l.Split(' '))
            .ToDictionary(p => p[0], p => double.Parse(p[1], CultureInfo.InvariantCulture));
    }
}
