using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using RadioServer.Audio;
using RadioServer.Tests.Infrastructure;
using RadioServer.Tests.Operations;

namespace RadioServer.Tests.Hls;

/// <summary>/hls/live.m3u8 and its segments over real HTTP, on the fake clock: the playlist, the packed audio, titles, caching, listeners.</summary>
public sealed class HlsEndpointTests(HlsToneStation tone) : IClassFixture<HlsToneStation>, IDisposable
{
    private static readonly DateTimeOffset s_start = HlsToneStation.Start;
    private const double FrameSeconds = 1152.0 / 44100;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static HttpClient Http(TestStation station, string userAgent = "hls-test/1") 
    {
        var http = new HttpClient { BaseAddress = station.BaseUri, Timeout = TimeSpan.FromSeconds(10) };
        http.DefaultRequestHeaders.UserAgent.ParseAdd(userAgent);
        return http;
    }

    private static async Task<Playlist> PlaylistAsync(HttpClient http) => Playlist.Parse(await http.GetStringAsync("/hls/live.m3u8"));

    [Fact]
    public async Task Playlist_ListsAWindowOfWholeFrameSegments_WithDates_AndCdnHeaders()
    {
        var station = tone.Station;
        using var http = Http(station);

        using var response = await http.GetAsync("/hls/live.m3u8");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/vnd.apple.mpegurl", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("public, max-age=2", response.Headers.CacheControl?.ToString()); // half a 4.99 s segment
        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        var playlist = Playlist.Parse(await response.Content.ReadAsStringAsync());

        // 5 s asked: 191 frames of 1,152 samples, 4.989 s; 31 s made 6 segments (0-5), all listed.
        Assert.Equal(5, playlist.TargetDuration);
        Assert.Equal(6, playlist.Entries.Count);
        Assert.Equal(0, playlist.MediaSequence);
        Assert.All(playlist.Entries, e => Assert.Equal(191 * FrameSeconds, e.Duration, 3));
        Assert.True(playlist.Entries.Sum(e => e.Duration) >= 3 * playlist.TargetDuration, "the playlist is shorter than three target durations");
        for (var i = 0; i < playlist.Entries.Count; i++)
        {
            var entry = playlist.Entries[i];
            Assert.Matches($"^seg-[0-9a-f]+-{playlist.MediaSequence + i}\\.mp3$", entry.Uri);
            // The station's clock at the segment's first frame: the stream began at s_start.
            var expected = s_start + TimeSpan.FromSeconds((playlist.MediaSequence + i) * 191 * FrameSeconds);
            Assert.InRange((entry.ProgramDateTime - expected).TotalSeconds, -0.15, 0.15);
            if (i > 0)
            {
                var previous = playlist.Entries[i - 1];
                Assert.Equal(previous.Duration, (entry.ProgramDateTime - previous.ProgramDateTime).TotalSeconds, 2);
            }
        }

        using var segment = await http.GetAsync($"/hls/{playlist.Entries[0].Uri}");
        Assert.Equal(HttpStatusCode.OK, segment.StatusCode);
        Assert.Equal("audio/mpeg", segment.Content.Headers.ContentType?.MediaType);
        var cache = segment.Headers.CacheControl!;
        Assert.True(cache.Public, "a segment is not public");
        Assert.Equal(TimeSpan.FromDays(1), cache.MaxAge);
        Assert.Contains("immutable", cache.Extensions.Select(e => e.Name));
        Assert.Equal("*", segment.Headers.GetValues("Access-Control-Allow-Origin").Single());
        // HEAD answers the same headers without a body.
        using var head = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/hls/{playlist.Entries[0].Uri}"));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(segment.Content.Headers.ContentLength, head.Content.Headers.ContentLength);
    }

    [Fact]
    public async Task Segments_EachBeginWithTheTimestampFrame_ThenWholeFramesThatContinueTheStream()
    {
        var station = tone.Station;
        using var http = Http(station);
        var playlist = await PlaylistAsync(http);
        Assert.Equal(0, playlist.MediaSequence);
        var bytesPerFrame = 128_000 / 8.0 * FrameSeconds;

        long? previousEnd = null;
        long? previousPts = null;
        foreach (var entry in playlist.Entries)
        {
            var data = await http.GetByteArrayAsync($"/hls/{entry.Uri}");
            var tag = SegmentTag.Parse(data);
            Assert.NotNull(tag.StreamPosition);
            var frames = TestAudio.Frames(data.AsSpan(tag.AudioOffset));
            Assert.Equal(191, frames.Count);
            Assert.Equal(data.Length - tag.AudioOffset, frames.Sum(f => f.FrameLength)); // whole frames, nothing else
            Assert.All(frames, f => Assert.Equal((44100, 128, 1152), (f.SampleRate, f.BitrateKbps, f.SamplesPerFrame)));

            // The timestamp is the first frame's place on the stream's clock at 90 kHz: stream position / frame size x 1,152 samples.
            var frameIndex = Math.Round(tag.StreamPosition!.Value / bytesPerFrame);
            Assert.Equal((long)Math.Round(frameIndex * 1152 * 90_000 / 44100), tag.Pts);
            if (previousEnd is not null)
            {
                Assert.Equal(previousEnd, tag.StreamPosition); // the next segment starts where the last ended
                Assert.InRange(tag.Pts - previousPts!.Value, (191 * FrameSeconds * 90_000) - 1, (191 * FrameSeconds * 90_000) + 1);
            }
            previousEnd = tag.StreamPosition + (data.Length - tag.AudioOffset);
            previousPts = tag.Pts;
        }
        // The same bytes the direct listeners get: the first segment is the stream from position 0.
        Assert.True(station.Buffer.TryRead(0, out var chunk) == RadioServer.Streaming.ChunkRead.Ok);
        var first = await http.GetByteArrayAsync($"/hls/{playlist.Entries[0].Uri}");
        var firstTag = SegmentTag.Parse(first);
        Assert.Equal(0, firstTag.StreamPosition);
        Assert.True(first.AsSpan(firstTag.AudioOffset, chunk!.Data.Length).SequenceEqual(chunk.Data), "the segment is not the broadcast buffer's frames");
    }

    [Fact]
    public async Task Title_StartsAsId3_InTheSegmentHoldingItsTrackMark()
    {
        TestAudio.WriteToneWav(_folder.File("Alpha - One.wav"), 440, seconds: 7);
        TestAudio.WriteToneWav(_folder.File("Beta - Two.wav"), 660, seconds: 7);
        var marks = new ConcurrentQueue<(string Title, long Position)>();
        await using var station = await TestStation.StartAsync(_folder.Media, new Dictionary<string, string?> { ["Radio:Sound:CrossfadeSeconds"] = "0" }, start: s_start);
        station.Chain.TrackChanged += mark => marks.Enqueue((mark.StreamTitle, mark.Position));
        await HlsStation.AdvanceAsync(station, TimeSpan.FromSeconds(31));
        using var http = Http(station);
        var playlist = await PlaylistAsync(http);
        var segments = new List<(long Start, long End, SegmentTag Tag)>();
        foreach (var entry in playlist.Entries)
        {
            var data = await http.GetByteArrayAsync($"/hls/{entry.Uri}");
            var tag = SegmentTag.Parse(data);
            segments.Add((tag.StreamPosition!.Value, tag.StreamPosition!.Value + data.Length - tag.AudioOffset, tag));
        }

        var changes = marks.Where(m => m.Position > 0 && m.Position < segments[^1].End).ToList();
        Assert.True(changes.Count >= 3, $"only {changes.Count} title changes in {segments.Count} segments");
        foreach (var (title, position) in changes)
        {
            var index = segments.FindIndex(s => s.Start <= position && position < s.End);
            Assert.True(index >= 0, $"no segment holds stream position {position}");
            Assert.Equal(title, segments[index].Tag.Title);
            Assert.Equal(position, segments[index].Tag.TitlePosition);
            if (index > 0)
            {
                Assert.NotEqual(title, segments[index - 1].Tag.Title); // not a segment early
            }
        }
        // A segment where no title starts repeats the one on air, without a position.
        var plain = segments.Where(s => !marks.Any(c => s.Start <= c.Position && c.Position < s.End)).ToList();
        Assert.NotEmpty(plain);
        Assert.All(plain, s => Assert.Null(s.Tag.TitlePosition));
        Assert.All(plain, s => Assert.Contains(s.Tag.Title, new[] { "Alpha - One", "Beta - Two" }));
    }

    [Fact]
    public async Task Segment_LeftThePlaylist_IsServedForAnotherPlaylistAndASegment_Then404()
    {
        TestAudio.WriteToneWav(_folder.File("Tone - Long.wav"), 440, seconds: 60);
        var settings = new Dictionary<string, string?> { ["Radio:Hls:SegmentSeconds"] = "1", ["Radio:Hls:WindowSegments"] = "4" };
        await using var station = await TestStation.StartAsync(_folder.Media, settings, start: s_start);
        using var http = Http(station);
        // Nothing cut yet: 503 with a retry, not an empty playlist.
        using (var early = await http.GetAsync("/hls/live.m3u8"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, early.StatusCode);
            Assert.Equal("no-store", early.Headers.CacheControl?.ToString());
        }
        await HlsStation.AdvanceAsync(station, TimeSpan.FromSeconds(1.2));
        var first = (await PlaylistAsync(http)).Entries[0].Uri;
        Assert.EndsWith("-0.mp3", first);

        // 38-frame segments (0.993 s); 4 in the playlist, and 4 + 1 more after they leave it.
        await HlsStation.AdvanceAsync(station, TimeSpan.FromSeconds(7));
        var playlist = await PlaylistAsync(http);
        Assert.True(playlist.MediaSequence >= 4, $"segment 0 is still listed (media sequence {playlist.MediaSequence})");
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"/hls/{first}")).StatusCode);

        await HlsStation.AdvanceAsync(station, TimeSpan.FromSeconds(3));
        using var gone = await http.GetAsync($"/hls/{first}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal("no-store", gone.Headers.CacheControl?.ToString());
        Assert.Equal("*", gone.Headers.GetValues("Access-Control-Allow-Origin").Single());
        // Not cut yet, of another run, or no segment name at all: 404 as well.
        var run = first.Split('-')[1];
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/hls/seg-{run}-999999.mp3")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/hls/seg-abc-5.mp3")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/hls/seg-..-1.mp3")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/hls/live.m3u")).StatusCode);
        var status = await Operators.StatusAsync(station);
        Assert.True(status.Hls!.SegmentMisses >= 3);
    }

    [Fact]
    public async Task Listeners_AreUniqueClientsOverTwoSegments_InTheStatusAndMetrics()
    {
        TestAudio.WriteToneWav(_folder.File("Tone - Long.wav"), 440, seconds: 60);
        await using var station = await TestStation.StartAsync(_folder.Media, start: s_start);
        await HlsStation.AdvanceAsync(station, TimeSpan.FromSeconds(6));
        using var one = Http(station, "player-one/1.0");
        using var two = Http(station, "player-two/2.0");
        await PlaylistAsync(one);
        await PlaylistAsync(one); // the same client reloading
        await PlaylistAsync(two);
        var status = await Operators.StatusAsync(station);
        Assert.Equal(2, status.Hls!.Listeners);
        Assert.Equal(0, status.Listeners.Current); // the direct listeners are another count
        Assert.Equal(3, status.Hls.PlaylistRequests);
        Assert.Contains("radio_hls_listeners 2", await one.GetStringAsync("/metrics"));

        // One keeps playing (reloads each segment), the other stopped: two segment lengths later only one is left.
        await HlsStation.AdvanceAsync(station, TimeSpan.FromSeconds(5));
        await PlaylistAsync(one);
        await HlsStation.AdvanceAsync(station, TimeSpan.FromSeconds(5.1));
        await PlaylistAsync(one);
        status = await Operators.StatusAsync(station);
        Assert.Equal(1, status.Hls!.Listeners);
        Assert.Equal(2, status.Hls.Peak);
        Assert.Contains("radio_hls_listeners 1", await one.GetStringAsync("/metrics"));

        // Then nobody asks: still counted just inside two segment lengths (9.978 s), gone just past them.
        await HlsStation.AdvanceAsync(station, TimeSpan.FromSeconds(9.5));
        Assert.Equal(1, (await Operators.StatusAsync(station)).Hls!.Listeners);
        await HlsStation.AdvanceAsync(station, TimeSpan.FromSeconds(0.6));
        status = await Operators.StatusAsync(station);
        Assert.Equal(0, status.Hls!.Listeners);
        Assert.Equal(2, status.Hls.Peak);
        var metrics = await one.GetStringAsync("/metrics");
        Assert.Contains("radio_hls_listeners 0", metrics);
        Assert.Contains("radio_hls_listeners_peak 2", metrics);
    }

    [Fact]
    public async Task Start_WindowShorterThanThreeTargetDurations_IsRefused()
    {
        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => TestStation.StartAsync(_folder.Media,
            new Dictionary<string, string?> { ["Radio:Hls:WindowSegments"] = "3" }));
        Assert.Contains(error.Failures, f => f.Contains("less than three target durations", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Disabled_ServesNoHls_AndSaysSoInTheStatus()
    {
        TestAudio.WriteToneWav(_folder.File("Tone - Long.wav"), 440, seconds: 10);
        await using var station = await TestStation.StartAsync(_folder.Media, new Dictionary<string, string?> { ["Radio:Hls:Enabled"] = "false" }, start: s_start);
        await station.AdvanceAsync(TimeSpan.FromSeconds(6));
        using var http = Http(station);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/hls/live.m3u8")).StatusCode);
        var status = await Operators.StatusAsync(station);
        Assert.False(status.Hls!.Enabled);
        Assert.Equal(0, HlsStation.Segmenter(station).SegmentsMade);
    }

    /// <summary>
    /// ffmpeg's HLS demuxer reads the playlist and its segments from the first listed and decodes 20 s. The fake clock
    /// stands still while it reads (the window holds 30 s), so what it gets is the same every run.
    /// </summary>
    [Fact]
    public async Task Ffmpeg_ReadsThePlaylist_AndDecodes20SecondsContinuously()
    {
        var station = tone.Station;
        var pcm = Path.Combine(_folder.Path, "decoded.f32");
        var ffmpeg = Process.Start(new ProcessStartInfo("ffmpeg")
        {
            ArgumentList = { "-hide_banner", "-nostdin", "-v", "error", "-live_start_index", "0", "-i", station.Url("/hls/live.m3u8").ToString(),
                "-t", "21", "-f", "f32le", "-ac", "1", "-ar", "44100", "-y", pcm },
            RedirectStandardError = true,
        })!;
        var stderr = ffmpeg.StandardError.ReadToEndAsync();
        await ffmpeg.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(ffmpeg.ExitCode == 0, $"ffmpeg exited {ffmpeg.ExitCode}: {await stderr}");
        Assert.Equal("", (await stderr).Trim());

        var bytes = await File.ReadAllBytesAsync(pcm);
        var samples = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, samples, 0, samples.Length * 4);
        Assert.InRange(samples.Length, 20 * 44100, 21 * 44100);
        // Continuous: past LAME's start-up, no silence and no jump anywhere, segment boundaries included. A sine's
        // zero crossings are evenly spaced (44100 / 440 / 2 = 50.1 samples); a lost or doubled frame breaks that.
        var mono = samples.AsSpan(44100 / 2);
        Assert.True(TestAudio.LongestSilence(mono, 44100) < 0.01, "the decoded audio has a gap");
        Assert.InRange(TestAudio.ToneFrequency(mono, 44100), 437, 443);
        var last = -1;
        var worst = 0.0;
        for (var i = 1; i < mono.Length; i++)
        {
            if (mono[i - 1] < 0 && mono[i] >= 0)
            {
                if (last >= 0)
                {
                    worst = Math.Max(worst, Math.Abs(i - last - (44100 / 440.0)));
                }
                last = i;
            }
        }
        Assert.True(worst < 3, $"a zero crossing is {worst.ToString("0.0", CultureInfo.InvariantCulture)} samples off the tone's period");
    }
}
