using System.Net;
using RadioServer.Audio;
using RadioServer.Tests.Infrastructure;

namespace RadioServer.Tests.Streaming;

public sealed class StreamEndpointTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [MemberData(nameof(ListenerPaths.Both), MemberType = typeof(ListenerPaths))]
    public async Task Stream_ServesStationFormatMp3_CarryingTheTestTone(bool directListeners)
    {
        TestAudio.WriteToneWav(_folder.File("Tone Maker - One Kilohertz.wav"), 1000, seconds: 30);
        await using var station = await TestStation.StartAsync(_folder.Media, ListenerPaths.Settings(directListeners));
        await using var listener = await StreamClient.ConnectAsync(station.Url("/stream"));
        await station.AdvanceAsync(TimeSpan.FromSeconds(6));
        await listener.WaitForAudioAsync(station.Buffer.EndPosition);

        var audio = listener.Audio;
        var frames = TestAudio.Frames(audio);
        Assert.True(frames.Count > 200, $"only {frames.Count} frames");
        Assert.All(frames, f =>
        {
            Assert.Equal(1, f.Version);
            Assert.Equal(3, f.Layer);
            Assert.Equal(44100, f.SampleRate);
            Assert.Equal(2, f.Channels);
            Assert.Equal(128, f.BitrateKbps);
        });
        var (samples, rate, channels) = TestAudio.DecodeMp3(audio);
        Assert.Equal(44100, rate);
        Assert.Equal(2, channels);
        var left = TestAudio.Channel(samples, channels, 0).AsSpan(rate / 2); // past LAME's start-up delay
        Assert.InRange(TestAudio.ToneFrequency(left, rate), 995, 1005);
        Assert.InRange(TestAudio.Rms(left), 0.3, 0.4); // a 0.5 sine has an RMS of 0.354
    }

    [Fact]
    public async Task Stream_MonoLowRateSource_IsResampledToStationFormatAtTheRightPitch()
    {
        TestAudio.WriteToneMp3(_folder.File("Low Rate - Mono A.mp3"), 440, seconds: 20, sampleRate: 22050, channels: 1, bitrateKbps: 64);
        await using var station = await TestStation.StartAsync(_folder.Media);
        await using var listener = await StreamClient.ConnectAsync(station.Url("/stream"));
        await station.AdvanceAsync(TimeSpan.FromSeconds(5));
        await listener.WaitForAudioAsync(station.Buffer.EndPosition);

        var (samples, rate, channels) = TestAudio.DecodeMp3(listener.Audio);
        Assert.Equal((44100, 2), (rate, channels));
        var left = TestAudio.Channel(samples, 2, 0).AsSpan(rate / 2);
        var right = TestAudio.Channel(samples, 2, 1).AsSpan(rate / 2);
        Assert.InRange(TestAudio.ToneFrequency(left, rate), 437, 443);
        Assert.InRange(TestAudio.ToneFrequency(right, rate), 437, 443);
    }

    [Theory]
    [MemberData(nameof(ListenerPaths.Both), MemberType = typeof(ListenerPaths))]
    public async Task Stream_Headers_AreIcecastCompatible_AndHeadHasNoBody(bool directListeners)
    {
        TestAudio.WriteToneWav(_folder.File("A - B.wav"), 500, seconds: 5);
        await using var station = await TestStation.StartAsync(_folder.Media, ListenerPaths.Settings(directListeners, new Dictionary<string, string?>
        {
            ["Radio:StationName"] = "Test FM",
            ["Radio:Description"] = "Tests all day",
            ["Radio:Genre"] = "Test",
            ["Radio:Url"] = "http://example.test/",
            ["Radio:Public"] = "true",
            ["Radio:BitrateKbps"] = "192",
        }));
        await station.AdvanceAsync(TimeSpan.FromSeconds(1));

        using var http = new HttpClient();
        using var response = await http.GetAsync(station.Url("/stream"), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("audio/mpeg", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.CacheControl is { NoCache: true, NoStore: true }, response.Headers.CacheControl?.ToString());
        Assert.Equal("Test FM", response.Headers.GetValues("icy-name").Single());
        Assert.Equal("Tests all day", response.Headers.GetValues("icy-description").Single());
        Assert.Equal("Test", response.Headers.GetValues("icy-genre").Single());
        Assert.Equal("http://example.test/", response.Headers.GetValues("icy-url").Single());
        Assert.Equal("192", response.Headers.GetValues("icy-br").Single());
        Assert.Equal("1", response.Headers.GetValues("icy-pub").Single());
        Assert.Equal("ice-samplerate=44100;ice-bitrate=192;ice-channels=2", response.Headers.GetValues("ice-audio-info").Single());
        Assert.False(response.Headers.Contains("icy-metaint"));
        // An HTTP/1.1 client gets the same close-delimited HTTP/1.0 answer as Icecast gives: MP3 from the first byte.
        await using var body = await response.Content.ReadAsStreamAsync();
        var first = new byte[4096];
        await body.ReadExactlyAsync(first);
        Assert.All(TestAudio.Frames(first), f => Assert.Equal(192, f.BitrateKbps));

        using var head = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, station.Url("/stream")));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal("Test FM", head.Headers.GetValues("icy-name").Single());
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());

        // As a plain HTTP/1.0 radio client sees them: exact values, and a HEAD that ends with the headers.
        await using var raw = await StreamClient.ConnectAsync(station.Url("/stream"), method: "HEAD");
        Assert.Equal(200, raw.StatusCode);
        Assert.Equal("no-cache, no-store", raw.Headers["Cache-Control"]);
        Assert.Equal("audio/mpeg", raw.Headers["Content-Type"]);
    }

    [Fact]
    public async Task Playlists_NameTheAbsoluteStreamUrl()
    {
        await using var station = await TestStation.StartAsync(_folder.Media, new Dictionary<string, string?> { ["Radio:MountPath"] = "/live.mp3" });
        using var http = new HttpClient();
        var expected = new Uri(station.BaseUri, "/live.mp3").ToString();

        using var m3u = await http.GetAsync(station.Url("/listen.m3u"));
        Assert.Equal("audio/x-mpegurl", m3u.Content.Headers.ContentType?.MediaType);
        var m3uLines = (await m3u.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("#EXTM3U", m3uLines[0]);
        Assert.Equal(expected, m3uLines[^1]);

        using var pls = await http.GetAsync(station.Url("/listen.pls"));
        Assert.Equal("audio/x-scpls", pls.Content.Headers.ContentType?.MediaType);
        var plsText = await pls.Content.ReadAsStringAsync();
        Assert.Contains($"File1={expected}\n", plsText);
        Assert.Contains("NumberOfEntries=1", plsText);

        using var mount = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, expected));
        Assert.Equal("audio/mpeg", mount.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [MemberData(nameof(ListenerPaths.Both), MemberType = typeof(ListenerPaths))]
    public async Task Burst_NewListener_GetsTheBurstSizeAtOnce_StartingOnAFrame(bool directListeners)
    {
        TestAudio.WriteToneWav(_folder.File("A - Long.wav"), 700, seconds: 30);
        await using var station = await TestStation.StartAsync(_folder.Media, ListenerPaths.Settings(directListeners));
        await station.AdvanceAsync(TimeSpan.FromSeconds(8)); // 8 s at 128 kbps = 128 KB encoded so far

        // No more time passes: whatever arrives now is the burst.
        await using var listener = await StreamClient.ConnectAsync(station.Url("/stream"));
        await listener.WaitForAudioAsync(64 * 1024, TimeSpan.FromSeconds(10));
        var audio = listener.Audio;
        Assert.InRange(audio.Length, 64 * 1024, (64 * 1024) + 4000); // at least the burst, at most one chunk more
        Assert.NotEmpty(TestAudio.Frames(audio)); // throws unless byte 0 starts a frame
    }

    [Theory]
    [MemberData(nameof(ListenerPaths.Both), MemberType = typeof(ListenerPaths))]
    public async Task Mp3Body_WithoutIcyRequest_HasNoMetadataBytes(bool directListeners)
    {
        TestAudio.WriteToneWav(_folder.File("A - One.wav"), 600, seconds: 2);
        TestAudio.WriteToneWav(_folder.File("B - Two.wav"), 900, seconds: 2);
        await using var station = await TestStation.StartAsync(_folder.Media, ListenerPaths.Settings(directListeners));
        await using var listener = await StreamClient.ConnectAsync(station.Url("/stream"));
        await station.AdvanceAsync(TimeSpan.FromSeconds(6));
        await listener.WaitForAudioAsync(station.Buffer.EndPosition);

        Assert.False(listener.Headers.ContainsKey("icy-metaint"));
        var audio = listener.Audio;
        var frames = TestAudio.Frames(audio); // a metadata byte anywhere would break the frame walk
        Assert.True(frames.Sum(f => f.FrameLength) >= audio.Length - 1500);
        Assert.Equal(station.Buffer.EndPosition, audio.Length);
    }

    [Theory]
    [MemberData(nameof(ListenerPaths.Both), MemberType = typeof(ListenerPaths))]
    public async Task ClientGarbageAndHangups_DoNotDisturbOtherListeners(bool directListeners)
    {
        TestAudio.WriteToneWav(_folder.File("A - Steady.wav"), 800, seconds: 30);
        await using var station = await TestStation.StartAsync(_folder.Media, ListenerPaths.Settings(directListeners));
        await using var steady = await StreamClient.ConnectAsync(station.Url("/stream"), icyMetadata: true);
        await station.AdvanceAsync(TimeSpan.FromSeconds(1));

        // Garbage instead of HTTP.
        using (var garbage = new System.Net.Sockets.TcpClient())
        {
            await garbage.ConnectAsync(station.BaseUri.Host, station.BaseUri.Port);
            var stream = garbage.GetStream();
            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes("\x16\x03\x01 NOT HTTP AT ALL\r\n\r\n"));
            var reply = new byte[512];
            var n = await stream.ReadAsync(reply);
            Assert.StartsWith("HTTP/1.1 400", System.Text.Encoding.ASCII.GetString(reply, 0, n));
        }

        // A listener that hangs up mid-stream.
        var left = new TaskCompletionSource<RadioServer.Streaming.Listeners.ListenerSession>(TaskCreationOptions.RunContinuationsAsynchronously);
        station.Listeners.Left += s => left.TrySetResult(s);
        var quitter = await StreamClient.ConnectAsync(station.Url("/stream"));
        await quitter.WaitForAudioAsync(1000);
        await quitter.DisposeAsync();
        // The server learns of the hang-up when a write fails: keep the air going until it does.
        for (var i = 0; i < 100 && !left.Task.IsCompleted; i++)
        {
            await station.AdvanceAsync(TimeSpan.FromMilliseconds(200));
            await Task.WhenAny(left.Task, Task.Delay(50));
        }
        var session = await left.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(session.LeaveReason == RadioServer.Streaming.Listeners.LeaveReason.ClientClosed, string.Join(" | ", station.Logs.Entries.Where(e => e.Exception is not null).Select(e => e.Exception!.GetType().Name + ": " + e.Exception.Message)));

        await station.AdvanceAsync(TimeSpan.FromSeconds(3));
        await steady.WaitForAudioAsync(station.Buffer.EndPosition);
        Assert.Equal(1, station.Listeners.Count);
        Assert.DoesNotContain(station.Logs.Entries, e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Error);
        TestAudio.Frames(steady.Audio);
    }
}
