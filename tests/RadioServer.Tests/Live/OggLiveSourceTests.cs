using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using RadioServer.Live;
using RadioServer.Tests.Infrastructure;

namespace RadioServer.Tests.Live;

/// <summary>
/// Ogg sources over real sockets into the real server: ffmpeg sending Ogg Opus and Ogg Vorbis as butt and Mixxx do,
/// decoded and heard by a listener with the title from the stream's comments; AAC and video-only Ogg refused with the reason.
/// </summary>
[Collection(RealTimeSources.Name)]
public sealed class OggLiveSourceTests : IDisposable
{
    private const string Password = "test-master-password";
    private static readonly TimeSpan s_guard = TimeSpan.FromSeconds(20);
    private readonly TempFolder _folder = new();

    public OggLiveSourceTests() => TestAudio.WriteToneWav(_folder.File("Alpha - One.wav"), 500, 60);

    public void Dispose() => _folder.Dispose();

    private static Dictionary<string, string?> Settings() => new() { ["Radio:Live:MasterPassword"] = Password };

    [Theory]
    [InlineData("libopus", "Opus")]
    [InlineData("libvorbis", "Vorbis")]
    public async Task FfmpegAsAnOggSourceClient_IsHeardOnTheStream_WithTheStreamsTitle(string encoder, string codec)
    {
        // Real time: ffmpeg sends at its own pace (-re), the air chain runs on its clock.
        await using var station = await TestStation.StartAsync(_folder.Media, Settings(), fakeTime: false);
        var live = station.App.Services.GetRequiredService<LiveSources>();
        var psi = new ProcessStartInfo("ffmpeg", ["-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=48000:duration=30",
            "-ac", "1", "-c:a", encoder, .. encoder == "libopus" ? new[] { "-b:a", "64k" } : ["-q:a", "3"], "-metadata", "title=Ogg Live", "-metadata", "artist=Studio B",
            "-content_type", "application/ogg", "-ice_name", "Ffmpeg Live", "-f", "ogg", $"icecast://source:{Password}@127.0.0.1:{station.BaseUri.Port}/live"])
        {
            RedirectStandardError = true,
        };
        using var ffmpeg = Process.Start(psi)!;
        try
        {
            await UntilAsync(() => station.Chain.LiveOnAir || ffmpeg.HasExited);
            Assert.True(!ffmpeg.HasExited, ffmpeg.HasExited ? await ffmpeg.StandardError.ReadToEndAsync() : "");
            await using var listener = await StreamClient.ConnectAsync(station.Url("/stream"), icyMetadata: true);
            await listener.WaitForAudioAsync(64 * 1024 + 80_000, s_guard); // the burst, then five seconds as they are made: ffmpeg's Ogg pages come a second at a time, and the jitter buffer may take its first two to grow to them
            var (samples, rate, channels) = TestAudio.DecodeMp3(listener.Audio);
            var left = TestAudio.Channel(samples, channels, 0);
            var halves = Enumerable.Range(0, left.Length / (rate / 2)).Select(i => TestAudio.ToneFrequency(left.AsSpan(i * rate / 2, rate / 2), rate)).ToList();
            var tones = string.Join(", ", halves.Select(t => $"{t:0}"));
            // Real time on a shared machine: a half second may hold a late page's gap; most of the last three seconds are the source.
            Assert.True(halves.TakeLast(6).Count(t => t is > 990 and < 1010) >= 4, $"tones by half second: {tones}; underruns {live.Director.Underruns}; log: {string.Join(" | ", station.Logs.Entries.Where(e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Information && !e.Category.StartsWith("Microsoft", StringComparison.Ordinal)).Select(e => e.Message + e.Exception?.Message))}");
            Assert.Equal(codec, live.Current!.Decoder.Codec);
            Assert.Equal((48000, 1), (live.Current.Decoder.SourceFormat.SampleRate, live.Current.Decoder.SourceFormat.Channels));
            // The comment header's ARTIST and TITLE take over from ice-name, as Icecast shows an Ogg source's.
            Assert.Equal("Studio B - Ogg Live", listener.Blocks.Last(b => b.StreamTitle is not null).StreamTitle);
        }
        finally
        {
            ffmpeg.Kill();
            await ffmpeg.WaitForExitAsync();
        }
    }

    [Theory]
    [InlineData("audio/aac")]
    [InlineData("audio/aacp")]
    public async Task AnAacSource_Gets403_NamingWhatIsSupported(string contentType)
    {
        await using var station = await TestStation.StartAsync(_folder.Media, Settings());
        var live = station.App.Services.GetRequiredService<LiveSources>();
        using var source = await ConnectAsync(station);

        await source.SendAsync(Encoding.ASCII.GetBytes($"PUT /live HTTP/1.1\r\nAuthorization: Basic {Basic()}\r\nContent-Type: {contentType}\r\nExpect: 100-continue\r\n\r\n"));
        var answer = await ReadToEndAsync(source);

        Assert.StartsWith("HTTP/1.0 403 Forbidden\r\n", answer, StringComparison.Ordinal);
        var reason = answer[(answer.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
        Assert.StartsWith("Content-type not supported", reason, StringComparison.Ordinal); // Icecast's words first
        foreach (var named in new[] { "MP3", "Ogg Vorbis", "Ogg Opus", "AAC" })
        {
            Assert.Contains(named, reason, StringComparison.Ordinal);
        }
        Assert.Equal(1, live.Refused);
        Assert.Null(live.Current);
    }

    [Fact]
    public async Task AVideoOnlyOggSource_IsEnded_WithTheReason()
    {
        var ogv = _folder.File("video.ogv");
        using (var make = Process.Start(new ProcessStartInfo("ffmpeg", ["-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=10:duration=2", "-c:v", "libtheora", ogv])))
        {
            await make!.WaitForExitAsync();
        }
        await using var station = await TestStation.StartAsync(_folder.Media, Settings());
        var live = station.App.Services.GetRequiredService<LiveSources>();
        using var source = await ConnectAsync(station);

        // video/ogg is taken, as Icecast takes it (a video stream's audio would be aired); this one has none.
        await source.SendAsync(Encoding.ASCII.GetBytes($"SOURCE /live HTTP/1.0\r\nAuthorization: Basic {Basic()}\r\nContent-Type: video/ogg\r\n\r\n"));
        var answer = new byte[256];
        var length = await source.ReceiveAsync(answer.AsMemory()).AsTask().WaitAsync(s_guard);
        Assert.StartsWith("HTTP/1.0 200 OK", Encoding.ASCII.GetString(answer, 0, length), StringComparison.Ordinal);

        await source.SendAsync(await File.ReadAllBytesAsync(ogv)); // the server ends it once it has read the headers
        await UntilAsync(() => station.Logs.Entries.Any(e => e.EventId.Name == "SourceEnded"));
        var ended = station.Logs.Entries.Single(e => e.EventId.Name == "SourceEnded").Message;
        Assert.Contains("Theora video", ended, StringComparison.Ordinal);
        Assert.Contains("video/unknown Ogg stream is not supported", ended, StringComparison.Ordinal);
        Assert.Null(live.Current);
        Assert.False(station.Chain.LiveOnAir);
    }

    private static string Basic() => Convert.ToBase64String(Encoding.UTF8.GetBytes($"source:{Password}"));

    private static async Task<Socket> ConnectAsync(TestStation station)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, station.BaseUri.Port);
        return socket;
    }

    private static async Task<string> ReadToEndAsync(Socket socket)
    {
        var received = new StringBuilder();
        var buffer = new byte[4096];
        int n;
        while ((n = await socket.ReceiveAsync(buffer.AsMemory()).AsTask().WaitAsync(s_guard)) > 0)
        {
            received.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }
        return received.ToString();
    }

    private static async Task UntilAsync(Func<bool> condition)
    {
        var until = Environment.TickCount64 + (long)s_guard.TotalMilliseconds;
        while (!condition())
        {
            Assert.True(Environment.TickCount64 < until, "the server did not reach the expected state in time");
            await Task.Delay(5);
        }
    }
}
