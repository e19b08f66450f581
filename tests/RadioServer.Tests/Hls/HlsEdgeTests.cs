using RadioServer.Streaming;
using RadioServer.Tests.Infrastructure;

namespace RadioServer.Tests.Hls;

/// <summary>
/// HLS on an edge node: an origin and an edge in one run, real servers on 127.0.0.1 on the real clock (the edge's
/// relay runs on real time, so these run alone, as the edge tests do). The edge's segmenter reads a buffer fed from the
/// origin at the origin's positions, so it cuts the origin's segments (src/RadioServer/Hls/README.md).
/// </summary>
[Collection(RealTimeSources.Name)]
public sealed class HlsEdgeTests : IDisposable
{
    private const string Key = "edge-key-for-the-hls-tests-0123456789";
    private const int BurstBytes = 16_000; // a second back: where a new edge's pull starts
    private readonly TempFolder _origin = new();
    private readonly TempFolder _edge = new();

    public HlsEdgeTests()
    {
        // Short tracks: titles change inside segments, so the tags carry title positions too.
        TestAudio.WriteToneWav(_origin.File("Alpha Band - First Song.wav"), 600, seconds: 1.5);
        TestAudio.WriteToneWav(_origin.File("Beta Band - Second Song.wav"), 900, seconds: 1.5);
    }

    public void Dispose()
    {
        _origin.Dispose();
        _edge.Dispose();
    }

    [Fact]
    public async Task EdgePlaylist_ListsTheOriginsSegments_AtTheOriginsStreamPositions_WithItsFrames()
    {
        var hls = new Dictionary<string, string?> { ["Radio:Hls:SegmentSeconds"] = "1", ["Radio:Hls:WindowSegments"] = "6", ["Radio:EdgeKey"] = Key };
        await using var origin = await TestStation.StartAsync(_origin.Media,
            new Dictionary<string, string?>(hls) { ["Radio:BurstSizeBytes"] = BurstBytes.ToString(System.Globalization.CultureInfo.InvariantCulture) }, fakeTime: false);
        // The edge joins mid-stream (a burst back from a live edge well past it), not at position 0 where both would start alike.
        await UntilAsync(() => Task.FromResult(origin.Buffer.EndPosition > 3 * BurstBytes), "the origin's first three seconds");
        await using var edge = await TestStation.StartAsync(_edge.Media,
            new Dictionary<string, string?>(hls) { ["Radio:Origin"] = origin.BaseUri.ToString() }, fakeTime: false);
        using var http = new HttpClient { BaseAddress = edge.BaseUri, Timeout = TimeSpan.FromSeconds(10) };
        Playlist? playlist = null;
        await UntilAsync(async () =>
        {
            using var response = await http.GetAsync("/hls/live.m3u8");
            playlist = response.IsSuccessStatusCode ? Playlist.Parse(await response.Content.ReadAsStringAsync()) : null;
            return playlist?.Entries.Count >= 4;
        }, "four segments in the edge's playlist");

        Assert.True(edge.Buffer.TryRead(0, out var joined) == ChunkRead.Ok, "the edge's first chunk left its ring");
        Assert.True(joined!.Position > 0, "the edge joined at position 0: nothing here tells the nodes apart");
        var originSegments = HlsStation.Segmenter(origin).Window.Retained;
        long? previousEnd = null;
        foreach (var entry in playlist!.Entries)
        {
            var data = await http.GetByteArrayAsync($"/hls/{entry.Uri}");
            var tag = SegmentTag.Parse(data);
            var position = tag.StreamPosition!.Value;
            var frames = data.AsSpan(tag.AudioOffset);
            if (previousEnd is not null)
            {
                Assert.Equal(previousEnd, position);
            }
            previousEnd = position + frames.Length;

            // The origin's position: the origin's broadcast buffer holds these very frames there.
            Assert.True(frames.SequenceEqual(OriginBytes(origin.Buffer, position, frames.Length)),
                $"the edge's segment at stream position {position} is not the origin's audio there");
            // Cut from the same position as the origin's own segment, and the same segment: tag and frames, byte for byte.
            // (The edge's first cut may begin where it joined; every one after it begins where the origin's does.)
            var own = originSegments.SingleOrDefault(s => s.Position == position);
            if (joined.Position < position)
            {
                Assert.True(own is not null, $"the origin cut no segment at the edge's stream position {position}");
            }
            if (own is not null)
            {
                Assert.True(data.AsSpan().SequenceEqual(own.Data), $"the edge's segment at {position} differs from the origin's {own.Name}");
                Assert.Equal(own.Duration, entry.Duration, 3);
            }
        }
    }

    /// <summary>The bytes at [position, position + length) of a buffer's stream, from the chunks still in its ring.</summary>
    private static byte[] OriginBytes(BroadcastBuffer buffer, long position, int length)
    {
        var bytes = new byte[length];
        var copied = 0;
        for (var sequence = Math.Max(0, buffer.Head - buffer.Capacity + 1); sequence < buffer.Head && copied < length; sequence++)
        {
            if (buffer.TryRead(sequence, out var chunk) != ChunkRead.Ok || chunk!.EndPosition <= position + copied)
            {
                continue;
            }
            var from = (int)(position + copied - chunk.Position);
            Assert.True(from >= 0, $"the origin has no chunk starting at or before stream position {position + copied}");
            var count = Math.Min(chunk.Data.Length - from, length - copied);
            chunk.Data.AsSpan(from, count).CopyTo(bytes.AsSpan(copied));
            copied += count;
        }
        Assert.True(copied == length, $"the origin's ring no longer holds stream positions {position}-{position + length}");
        return bytes;
    }

    private static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!await condition())
        {
            Assert.False(deadline.IsCancellationRequested, $"waited 30 s for {what}");
            await Task.Delay(50);
        }
    }
}
