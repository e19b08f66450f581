using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using RadioServer.Live;
using RadioServer.Tests.Infrastructure;

namespace RadioServer.Tests.Live;

/// <summary>
/// A live source over real sockets into the real server: authenticated, decoded (any rate and channel count) into
/// the same air chain, heard by a listener in place of automation, and automation back when it drops.
/// </summary>
public sealed class LiveSourceTests : IDisposable
{
    private const string Password = "test-master-password";
    private static readonly TimeSpan s_guard = TimeSpan.FromSeconds(20);
    private readonly TempFolder _folder = new();

    public LiveSourceTests() => TestAudio.WriteToneWav(_folder.File("Alpha - One.wav"), 500, 60);

    public void Dispose() => _folder.Dispose();

    private static Dictionary<string, string?> Settings(string? password = Password) => new() { ["Radio:Live:MasterPassword"] = password };

    private static string Basic(string user, string password) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));

    [Fact]
    public async Task MasterSource_GoesOnAir_IsHeardDecodedToStationFormat_AndAutomationReturnsWhenItDrops()
    {
        await using var station = await TestStation.StartAsync(_folder.Media, Settings());
        var live = station.App.Services.GetRequiredService<LiveSources>();
        await using var listener = await StreamClient.ConnectAsync(station.Url("/stream"), icyMetadata: true);
        await station.AdvanceAsync(TimeSpan.FromSeconds(3));
        await listener.WaitForAudioAsync(station.Buffer.EndPosition);
        var automationEnd = listener.AudioBytes;

        // 48 kHz mono, as a phone app or a studio desk may send: it must come out 44.1 kHz stereo, never passed through.
        var mp3 = _folder.File("live.mp3");
        TestAudio.WriteToneMp3(mp3, 1000, 12, sampleRate: 48000, channels: 1, bitrateKbps: 64);
        using var source = await ConnectAsync(station);
        await source.SendAsync(Encoding.ASCII.GetBytes(
            $"PUT /live HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic {Basic("source", Password)}\r\nContent-Type: audio/mpeg\r\n" +
            "Expect: 100-continue\r\nice-name: Morning Live\r\nUser-Agent: test-source\r\n\r\n"));
        var answer = await ReadAnswerAsync(source);
        Assert.StartsWith("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK", answer, StringComparison.Ordinal);
        var audio = await File.ReadAllBytesAsync(mp3);
        var sending = source.SendAsync(audio); // more than the buffer's high water: the rest waits in TCP

        await UntilAsync(() => live.Buffered >= 44100 * 2); // a second decoded before the clock moves
        await station.AdvanceAsync(TimeSpan.FromSeconds(4), TimeSpan.FromMilliseconds(100), () => UntilAsync(() => live.Buffered >= 44100 || live.Current is null));
        Assert.True(station.Chain.LiveOnAir);
        await listener.WaitForAudioAsync(station.Buffer.EndPosition);
        var liveEnd = listener.AudioBytes;
        Assert.Contains(listener.Blocks, b => b.StreamTitle == "Morning Live");

        // Icecast's metadata update, with the source's credentials, reaches the listeners' ICY titles.
        using (var http = new HttpClient { BaseAddress = station.BaseUri })
        {
            using var wrong = new HttpRequestMessage(HttpMethod.Get, "/admin/metadata?mode=updinfo&mount=/live&song=Nope");
            wrong.Headers.Authorization = new("Basic", Basic("source", "wrong"));
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(wrong)).StatusCode);
            using var update = new HttpRequestMessage(HttpMethod.Get, "/admin/metadata?mode=updinfo&mount=/live&song=Alex%20Morgan%20-%20Talk");
            update.Headers.Authorization = new("Basic", Basic("source", Password));
            using var updated = await http.SendAsync(update);
            Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
            Assert.Contains("<return>1</return>", await updated.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        await station.AdvanceAsync(TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(100), () => UntilAsync(() => live.Buffered >= 44100 || live.Current is null));
        await listener.WaitForAudioAsync(station.Buffer.EndPosition);
        liveEnd = listener.AudioBytes;
        Assert.Equal("Alex Morgan - Talk", listener.Blocks.Last(b => b.StreamTitle is not null).StreamTitle);

        // The source hangs up: what it sent plays out, then after the grace time automation fades back in.
        await sending;
        source.Shutdown(SocketShutdown.Both);
        await station.AdvanceAsync(TimeSpan.FromSeconds(15), TimeSpan.FromMilliseconds(100), () => UntilAsync(() => live.Buffered >= 44100 || live.Current is null));
        Assert.Null(live.Current);
        Assert.False(station.Chain.LiveOnAir);
        await listener.WaitForAudioAsync(station.Buffer.EndPosition);
        Assert.Equal("Alpha - One", listener.Blocks.Last(b => b.StreamTitle is not null).StreamTitle);

        var (samples, rate, channels) = TestAudio.DecodeMp3(listener.Audio);
        Assert.Equal((44100, 2), (rate, channels));
        var perByte = samples.Length / (double)listener.AudioBytes / channels; // sample frames per stream byte (CBR)
        double ToneBefore(long bytes)
        {
            var end = (int)(bytes * perByte);
            var left = TestAudio.Channel(samples, channels, 0);
            var right = TestAudio.Channel(samples, channels, 1);
            var l = TestAudio.ToneFrequency(left.AsSpan(end - rate, rate / 2), rate);
            Assert.InRange(TestAudio.ToneFrequency(right.AsSpan(end - rate, rate / 2), rate), l - 5, l + 5); // both channels: mono widened
            return l;
        }
        Assert.InRange(ToneBefore(automationEnd), 495, 505);
        Assert.InRange(ToneBefore(liveEnd), 990, 1010);
        Assert.InRange(ToneBefore(listener.AudioBytes), 495, 505);
        Assert.Equal(1, live.Connects);
    }

    [Theory]
    [InlineData(null, "no credentials")]
    [InlineData("source:wrong", "wrong credentials")]
    [InlineData("admin:" + Password, "wrong credentials")]
    public async Task WrongOrMissingCredentials_Get401_WithTheChallengeLibshoutReads(string? credentials, string logged)
    {
        await using var station = await TestStation.StartAsync(_folder.Media, Settings());
        using var source = await ConnectAsync(station);
        var auth = credentials is null ? "" : $"Authorization: Basic {Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials))}\r\n";
        await source.SendAsync(Encoding.ASCII.GetBytes($"SOURCE /live HTTP/1.0\r\n{auth}Content-Type: audio/mpeg\r\n\r\n"));
        var answer = await ReadAnswerAsync(source, toEnd: true);
        Assert.StartsWith("HTTP/1.0 401 Unauthorized\r\n", answer, StringComparison.Ordinal);
        Assert.Contains("WWW-Authenticate: Basic realm=", answer, StringComparison.Ordinal);
        Assert.Contains("Allow: GET, HEAD, PUT, SOURCE, OPTIONS", answer, StringComparison.Ordinal);
        Assert.Contains(station.Logs.Entries, e => e.EventId.Name == "SourceRefused" && e.Message.Contains(logged, StringComparison.Ordinal));
        Assert.Null(station.App.Services.GetRequiredService<LiveSources>().Current);
    }

    [Fact]
    public async Task NoMasterPasswordConfigured_EverySourceIsRefused()
    {
        await using var station = await TestStation.StartAsync(_folder.Media, Settings(password: null));
        using var source = await ConnectAsync(station);
        await source.SendAsync(Encoding.ASCII.GetBytes($"SOURCE /live HTTP/1.0\r\nAuthorization: Basic {Basic("source", "")}\r\n\r\n"));
        Assert.StartsWith("HTTP/1.0 401", await ReadAnswerAsync(source, toEnd: true), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASecondSource_IsRefused_AndTheFirstStays_AndAnUnknownFormatIsRefused()
    {
        await using var station = await TestStation.StartAsync(_folder.Media, Settings());
        var live = station.App.Services.GetRequiredService<LiveSources>();
        using var first = await ConnectAsync(station);
        await first.SendAsync(Encoding.ASCII.GetBytes($"SOURCE /live ICE/1.0\nAuthorization: Basic {Basic("source", Password)}\nContent-Type: audio/mpeg\nice-name: First\n\n"));
        Assert.StartsWith("HTTP/1.0 200 OK", await ReadAnswerAsync(first), StringComparison.Ordinal);
        await UntilAsync(() => live.Current is not null);

        using var second = await ConnectAsync(station);
        await second.SendAsync(Encoding.ASCII.GetBytes($"PUT /stream HTTP/1.1\r\nAuthorization: Basic {Basic("source", Password)}\r\nContent-Type: audio/mpeg\r\n\r\n"));
        var answer = await ReadAnswerAsync(second, toEnd: true);
        Assert.StartsWith("HTTP/1.0 403 Forbidden", answer, StringComparison.Ordinal);
        Assert.Contains("Mountpoint in use", answer, StringComparison.Ordinal);
        Assert.Equal("First", live.Current!.Request.Name);

        using var ogg = await ConnectAsync(station);
        await ogg.SendAsync(Encoding.ASCII.GetBytes($"PUT /live HTTP/1.1\r\nAuthorization: Basic {Basic("source", Password)}\r\nContent-Type: video/mp4\r\n\r\n"));
        Assert.Contains("Content-type not supported", await ReadAnswerAsync(ogg, toEnd: true), StringComparison.Ordinal);
        Assert.Equal(2, live.Refused);
    }

    [Theory]
    [InlineData("SOURCE //live HTTP/1.0\nAuthorization: Basic {0}\nContent-type: audio/mpeg\nice-bitrate: 128\r\n\r\n", "HTTP/1.0 200 OK")] // DarkIce 1.3: LF lines, its mount after "/"
    [InlineData("SOURCE /live ICE/1.0\nice-password: {1}\nice-name: Old DarkIce\n\n", "HTTP/1.0 200 OK")] // ICE/1.0: the password as a header
    [InlineData("SOURCE /live HTTP/1.1\r\nHost: \r\nAuthorization: Basic {0}\r\nTransfer-Encoding: chunked\r\n\r\n", "HTTP/1.0 400 Bad Request")] // Liquidsoap chunked=true: said, not garbled
    public async Task ClientFlavours_AreAnsweredAsTheyExpect(string head, string expected)
    {
        await using var station = await TestStation.StartAsync(_folder.Media, Settings());
        using var source = await ConnectAsync(station);
        await source.SendAsync(Encoding.ASCII.GetBytes(string.Format(System.Globalization.CultureInfo.InvariantCulture, head, Basic("source", Password), Password)));
        Assert.StartsWith(expected, await ReadAnswerAsync(source), StringComparison.Ordinal);
    }

    private static async Task<Socket> ConnectAsync(TestStation station)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, station.BaseUri.Port);
        return socket;
    }

    private static Task<string> ReadAnswerAsync(Socket socket, bool toEnd = false) => SourceClient.ReadAnswerAsync(socket, toEnd);

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
