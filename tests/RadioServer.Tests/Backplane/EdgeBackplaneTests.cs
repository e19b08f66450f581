using RadioServer.Streaming;
using RadioServer.Tests.Infrastructure;
using RadioServer.Tests.Operations;

namespace RadioServer.Tests.Backplane;

/// <summary>
/// An origin and an edge of one station sharing a real redis-server and one channel prefix. The edge relays the
/// origin's stream, so its air chain marks the same track changes at the same positions, and its hubs would publish
/// them too; while Redis is up they leave them to the origin (docs/scaling.md, "Who publishes what"), so a player on
/// either node gets each <c>nowPlaying</c> once. Both nodes run on the real clock, as the edges' tests do (the edge's
/// relay and silence timer are real-time), so they run alone.
/// </summary>
[Collection(RealTimeSources.Name)]
public sealed class EdgeBackplaneTests : IAsyncLifetime
{
    private const string Key = "edge-key-for-the-tests-0123456789";
    private static readonly TimeSpan s_deadline = Poll.Deadline;
    private readonly TempFolder _origin = new();
    private readonly TempFolder _edge = new();
    private readonly string _prefix = $"radioserver-test-{Guid.NewGuid():N}:";
    private RedisServer _redis = null!;

    public EdgeBackplaneTests()
    {
        TestAudio.WriteToneWav(_origin.File("Alpha Band - First Song.wav"), 600, seconds: 1.5);
        TestAudio.WriteToneWav(_origin.File("Beta Band - Second Song.wav"), 900, seconds: 1.5);
    }

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _redis.DisposeAsync();
        _origin.Dispose();
        _edge.Dispose();
    }

    [Fact]
    public async Task TrackChange_WithOriginAndEdgeOnRedis_ReachesAPlayerOnEachNodeOnce_WithTheOriginsStreamPosition()
    {
        await using var origin = await TestStation.StartAsync(_origin.Media, Operators.Settings(
            ("Radio:EdgeKey", Key), ("Radio:Sound:Normalize", "false"), ("Radio:Redis", _redis.Configuration), ("Radio:RedisChannelPrefix", _prefix)), fakeTime: false);
        await using var edge = await TestStation.StartAsync(_edge.Media, Operators.Settings(
            ("Radio:Origin", origin.BaseUri.ToString()), ("Radio:EdgeKey", Key), ("Radio:Redis", _redis.Configuration), ("Radio:RedisChannelPrefix", _prefix)), fakeTime: false);
        await Poll.UntilAsync(async () => (await Operators.StatusAsync(origin)).Redis.Connected && (await Operators.StatusAsync(edge)).Redis.Connected, "both nodes connected to Redis");
        Assert.True((await Operators.StatusAsync(origin)).Redis.PublishesStation);
        Assert.False((await Operators.StatusAsync(edge)).Redis.PublishesStation);
        await Poll.UntilAsync(() => edge.Buffer.EndPosition > 0, "the edge's first audio");

        await using var atOrigin = await HubPlayer.ConnectAsync(origin);
        await using var atEdge = await HubPlayer.ConnectAsync(edge);
        await atOrigin.States.Reader.ReadAsync().AsTask().WaitAsync(s_deadline);
        await atEdge.States.Reader.ReadAsync().AsTask().WaitAsync(s_deadline);
        // Both nodes' track changes in the order they happened: the origin's air chain and the edge's relay of it.
        var events = new List<(bool AtEdge, TrackMark Mark)>();
        origin.Chain.TrackChanged += m => { lock (events) { events.Add((false, m)); } };
        edge.Chain.TrackChanged += m => { lock (events) { events.Add((true, m)); } };
        var heardAtOrigin = new List<TrackMessage>();
        var heardAtEdge = new List<TrackMessage>();

        // W: the first of the origin's changes both players got (from then on their Redis subscriptions are known to
        // be made); then two more, M1 and M2, are counted.
        TrackMark? warmUp = null;
        await Poll.UntilAsync(() =>
        {
            warmUp = OriginMarks(events).FirstOrDefault(m => Got(atOrigin, heardAtOrigin, m) && Got(atEdge, heardAtEdge, m));
            return warmUp is not null;
        }, "a track change at both players");
        // What the origin published before Redis answered (its first track, on the real clock) is counted as lost; from here nothing is.
        var failuresBefore = (await Operators.StatusAsync(origin)).Redis.PublishFailures;
        await Poll.UntilAsync(() => OriginMarks(events).SkipWhile(m => m != warmUp).Count() >= 3, "two more track changes at the origin");
        var counted = OriginMarks(events).SkipWhile(m => m != warmUp).Skip(1).Take(2).ToList();
        // The edge has marked M2 itself (its publisher has it queued, or sent it), and the origin has changed tracks
        // again since: once both players have that later change, an edge's publish of M2 through Redis would have come
        // before it.
        var barrier = await NextOriginMarkAfterTheEdgeMarkedAsync(events, counted[^1]);
        await Poll.UntilAsync(() => Got(atOrigin, heardAtOrigin, barrier) && Got(atEdge, heardAtEdge, barrier), "the barrier's track change at both players");

        var expected = OriginMarks(events).SkipWhile(m => m != warmUp).TakeWhile(m => m != barrier).Append(barrier).ToList();
        foreach (var (node, heard) in new[] { ("origin", heardAtOrigin), ("edge", heardAtEdge) })
        {
            var fromWarmUp = heard.SkipWhile(t => t.StreamPosition != warmUp!.HeardPosition).ToList();
            var upToBarrier = fromWarmUp.Take(fromWarmUp.FindIndex(t => t.StreamPosition == barrier.HeardPosition) + 1).ToList();
            // Once each, in order, at the origin's positions: a second copy (the edge's) would show here.
            Assert.True(expected.Select(m => m.HeardPosition).SequenceEqual(upToBarrier.Select(t => t.StreamPosition)),
                $"player on the {node}: expected nowPlaying at {string.Join(", ", expected.Select(m => m.HeardPosition))}, got {string.Join(", ", upToBarrier.Select(t => t.StreamPosition))}");
            foreach (var mark in counted)
            {
                var track = Assert.Single(heard, t => t.StreamPosition == mark.HeardPosition);
                Assert.Equal(mark.StreamTitle, track.DisplayTitle);
                Assert.Equal(mark.HeardPosition * 8 / 128_000.0, track.StreamTime, 3);
            }
        }
        Assert.Equal(failuresBefore, (await Operators.StatusAsync(origin)).Redis.PublishFailures);
    }

    private static List<TrackMark> OriginMarks(List<(bool AtEdge, TrackMark Mark)> events)
    {
        lock (events)
        {
            return [.. events.Where(e => !e.AtEdge).Select(e => e.Mark)];
        }
    }

    /// <summary>Whether the player has had <paramref name="mark"/>'s nowPlaying (what arrived is moved into <paramref name="heard"/>).</summary>
    private static bool Got(HubPlayer player, List<TrackMessage> heard, TrackMark mark)
    {
        while (player.Tracks.Reader.TryRead(out var track))
        {
            heard.Add(track);
        }
        return heard.Any(t => t.StreamPosition == mark.HeardPosition);
    }

    /// <summary>The origin's first track change after the edge marked <paramref name="mark"/>.</summary>
    private static async Task<TrackMark> NextOriginMarkAfterTheEdgeMarkedAsync(List<(bool AtEdge, TrackMark Mark)> events, TrackMark mark)
    {
        TrackMark? next = null;
        await Poll.UntilAsync(() =>
        {
            lock (events)
            {
                var relayed = events.FindIndex(e => e.AtEdge && e.Mark.Position == mark.Position);
                next = relayed < 0 ? null : events.Skip(relayed + 1).Where(e => !e.AtEdge).Select(e => e.Mark).FirstOrDefault();
            }
            return next is not null;
        }, "the edge to mark the last counted change and the origin to change tracks again");
        return next!;
    }
}
