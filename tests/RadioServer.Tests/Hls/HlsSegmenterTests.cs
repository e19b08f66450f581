using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using RadioServer.Hls;
using RadioServer.Station;
using RadioServer.Streaming;

namespace RadioServer.Tests.Hls;

/// <summary>The segmenter on a broadcast buffer fed by hand (CBR frames as LAME pads them), stepped with <c>Pump</c>.</summary>
public sealed class HlsSegmenterTests
{
    private const double BytesPerFrame = 128_000 / 8.0 * 1152 / 44100; // 417.96

    private readonly BroadcastBuffer _buffer = new(Options.Create(new RadioOptions()));
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));
    private readonly TrackMark _mark = new(null, "Station", 0, DateTimeOffset.UnixEpoch);
    private long _frames;

    private HlsSegmenter NewSegmenter() => new(_buffer, Options.Create(new HlsOptions { SegmentSeconds = 1, WindowSegments = 4 }),
        Options.Create(new RadioOptions()), _time, NullLogger<HlsSegmenter>.Instance);

    /// <summary>Publishes chunks of four 128 kbps frames, padded where LAME pads them so positions match the stream clock.</summary>
    private void Publish(int chunks)
    {
        for (var c = 0; c < chunks; c++)
        {
            var data = new List<byte>();
            for (var f = 0; f < 4; f++, _frames++)
            {
                var padded = (long)Math.Floor((_frames + 1) * BytesPerFrame) - (long)Math.Floor(_frames * BytesPerFrame) == 418;
                var frame = new byte[padded ? 418 : 417];
                (frame[0], frame[1], frame[2], frame[3]) = ((byte)0xFF, (byte)0xFB, (byte)(padded ? 0x92 : 0x90), (byte)0x64);
                data.AddRange(frame);
            }
            _time.Advance(TimeSpan.FromSeconds(4 * 1152 / 44100.0));
            _buffer.Publish([.. data], 4, _mark);
        }
    }

    [Fact]
    public void Pump_AfterFallingOutOfTheRing_StartsAgainAtTheLiveEdge_AndSaysDiscontinuity()
    {
        var segmenter = NewSegmenter();
        Publish(40); // 160 frames: four 38-frame segments
        segmenter.Pump();
        var window = segmenter.Window;
        Assert.Equal(4, window.PlaylistCount);
        Assert.All(window.Retained, s => Assert.False(s.Discontinuity));
        Assert.DoesNotContain("#EXT-X-DISCONTINUITY", System.Text.Encoding.UTF8.GetString(window.Playlist));

        // Starved for longer than the ring holds: the segmenter has lost its place.
        Publish(_buffer.Capacity + 10);
        var edge = _buffer.EndPosition;
        segmenter.Pump();
        Assert.Equal(1, segmenter.Resyncs);
        Publish(20);
        segmenter.Pump();
        window = segmenter.Window;
        var resumed = window.Retained.Single(s => s.Discontinuity);
        Assert.Equal(4, resumed.Sequence); // numbering goes on
        Assert.Equal(edge, resumed.Position);
        // Placed on the stream's clock by its position, so its timestamp is right after the gap too.
        Assert.Equal((long)Math.Round(edge / BytesPerFrame) * 1152, resumed.StartSample);
        // Back on the stream's 38-frame grid: the resumed segment runs to the next boundary, the one after starts on it.
        var resumedFrame = (long)Math.Round(edge / BytesPerFrame);
        Assert.Equal(38 - (int)(resumedFrame % 38), resumed.Frames);
        var following = window.Retained.Single(s => s.Sequence == resumed.Sequence + 1);
        Assert.Equal(0, following.StartSample / 1152 % 38);
        Assert.Equal(38, following.Frames);
        var text = System.Text.Encoding.UTF8.GetString(window.Playlist);
        Assert.Contains($"#EXT-X-DISCONTINUITY\n#EXT-X-PROGRAM-DATE-TIME:", text);
        Assert.DoesNotContain("#EXT-X-DISCONTINUITY-SEQUENCE", text);

        // Once that segment has left the playlist, the discontinuity sequence counts it.
        Publish(50);
        segmenter.Pump();
        text = System.Text.Encoding.UTF8.GetString(segmenter.Window.Playlist);
        Assert.Contains("#EXT-X-DISCONTINUITY-SEQUENCE:1\n", text);
        Assert.DoesNotContain("#EXT-X-DISCONTINUITY\n", text);
    }

    [Fact]
    public void Pump_Continuous_SegmentsFollowEachOther_OnTheSampleClockAndTheStationClock()
    {
        var segmenter = NewSegmenter();
        Publish(100);
        segmenter.Pump();
        var segments = segmenter.Window.Retained;
        Assert.Equal(9, segments.Count); // 400 frames: 10 segments cut, the playlist's 4 and 4 + 1 that left it kept
        Assert.Equal(1, segments[0].Sequence);
        for (var i = 1; i < segments.Count; i++)
        {
            Assert.Equal(segments[i - 1].EndPosition, segments[i].Position);
            Assert.Equal(segments[i - 1].StartSample + (38 * 1152), segments[i].StartSample);
            Assert.Equal(segments[i - 1].Duration, (segments[i].ProgramDateTime - segments[i - 1].ProgramDateTime).TotalSeconds, 3);
        }
        Assert.Null(segmenter.Window.Find(0));
        Assert.Same(segments[3], segmenter.Window.Find(4));
    }
}
