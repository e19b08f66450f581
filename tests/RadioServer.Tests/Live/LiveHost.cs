using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using RadioServer.Live;
using RadioServer.Live.Accounts;
using RadioServer.Tests.Infrastructure;

namespace RadioServer.Tests.Live;

/// <summary>
/// A host going live in a test: the show's schedule, a host account (<see cref="FakeHostAccounts"/>), and a
/// source client over a raw socket sending a generated MP3; the station is stepped while the source's buffer fills,
/// as a real source keeps it filled.
/// </summary>
internal static class LiveHost
{
    public const string Name = "Alex Morgan";
    public const string Password = "alex-source-password";
    public const string MasterPassword = "test-master-password";
    public const string ShowTitle = "Drive Time";
    public const string UserAgent = "test-source/1.0";

    /// <summary>Thursday 2026-11-26 12:00 UTC: Drive Time (Alex Morgan) starts; hosts may connect from 11:50.</summary>
    public static readonly DateTimeOffset SlotStart = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    public static readonly TimeSpan Guard = TimeSpan.FromSeconds(20);

    /// <summary>Drive Time 12:00-14:00 every day, hosted by <see cref="Name"/>; automation plays <paramref name="automation"/>.</summary>
    public static void WriteSchedule(string folder, string automation = ".") => File.WriteAllText(Path.Combine(folder, "schedule.json"), $$"""
        { "timeZone": "UTC", "automation": { "playlist": { "items": ["{{automation}}"] } },
          "shows": [ { "id": "drive-time", "title": "{{ShowTitle}}", "hosts": ["{{Name}}"], "playlist": { "items": ["{{automation}}"] },
                       "slots": [ { "days": ["mon","tue","wed","thu","fri","sat","sun"], "start": "12:00", "end": "14:00" } ] } ] }
        """);

    /// <summary>The host's account.</summary>
    public static FakeHostAccounts Account() => new FakeHostAccounts().Add(Name, Password);

    /// <summary>The accounts in place of the real store, for TestStation.StartAsync.</summary>
    public static Action<IServiceCollection> Accounts(FakeHostAccounts? accounts = null) =>
        services => services.Replace(ServiceDescriptor.Singleton<IHostAccounts>(accounts ?? Account()));

    /// <summary>The master password; no recordings (these tests are about what is shown, not what is kept).</summary>
    public static Dictionary<string, string?> Settings(params (string Key, string? Value)[] more)
    {
        var settings = new Dictionary<string, string?> { ["Radio:Live:MasterPassword"] = MasterPassword, ["Radio:Live:RecordingsPath"] = "" };
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }
        return settings;
    }

    /// <summary>
    /// Steps the clock by <paramref name="total"/>, 100 ms at a time; after each step the sources send what is due on
    /// the station's clock, and the step waits until the connected source has a second buffered again (its reading
    /// task runs on real time), or none is connected.
    /// </summary>
    public static Task AdvanceLiveAsync(this TestStation station, TimeSpan total, params TestSource[] sources)
    {
        var live = station.App.Services.GetRequiredService<LiveSources>();
        return station.AdvanceAsync(total, TimeSpan.FromMilliseconds(100), async () =>
        {
            foreach (var source in sources)
            {
                await source.FeedAsync();
            }
            await UntilAsync(() => live.Buffered >= 44100 || live.Current is null);
        });
    }

    public static async Task UntilAsync(Func<bool> condition)
    {
        var until = Environment.TickCount64 + (long)Guard.TotalMilliseconds;
        while (!condition())
        {
            Assert.True(Environment.TickCount64 < until, "the server did not reach the expected state in time");
            await Task.Delay(5);
        }
    }
}

/// <summary>
/// A source client on a raw socket: PUT /live with Basic credentials, then a CBR MP3 at the pace of the station's
/// clock, <see cref="Lead"/> ahead (as a real client sends in real time, so a drop loses no more than that).
/// <see cref="Closed"/> completes when the server closes the connection.
/// </summary>
internal sealed class TestSource : IAsyncDisposable
{
    /// <summary>How far ahead of the station's clock the source sends: more than the server's jitter buffer takes at first.</summary>
    public static readonly TimeSpan Lead = TimeSpan.FromSeconds(4);

    private readonly Socket _socket;
    private readonly TimeProvider _time;
    private readonly DateTimeOffset _since;
    private readonly byte[] _audio;
    private readonly int _bytesPerSecond;
    private int _sent;
    private bool _dropped;

    private TestSource(Socket socket, string answer, TimeProvider time, byte[] audio, int bitrateKbps)
    {
        _socket = socket;
        _time = time;
        _since = time.GetUtcNow();
        _audio = audio;
        _bytesPerSecond = bitrateKbps * 1000 / 8;
        Answer = answer;
        Closed = WaitForCloseAsync();
    }

    /// <summary>The server's answer to the head ("HTTP/1.1 200 OK ..." when accepted).</summary>
    public string Answer { get; }

    /// <summary>Completes when the server closed the connection (its end of the source).</summary>
    public Task Closed { get; }

    /// <summary>
    /// Connects as <paramref name="user"/> and, when accepted, sends the first <see cref="Lead"/> of <paramref name="mp3"/>
    /// (CBR at <paramref name="bitrateKbps"/>) and waits until two seconds are decoded.
    /// </summary>
    public static async Task<TestSource> ConnectAsync(TestStation station, string mp3, string user = LiveHost.Name, string password = LiveHost.Password, int bitrateKbps = 64)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, station.BaseUri.Port);
        var credentials = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));
        await socket.SendAsync(Encoding.ASCII.GetBytes(
            $"PUT /live HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic {credentials}\r\nContent-Type: audio/mpeg\r\n" +
            $"ice-name: {user} live\r\nUser-Agent: {LiveHost.UserAgent}\r\n\r\n"));
        var answer = await ReadHeadAsync(socket);
        var source = new TestSource(socket, answer, station.Time!, await File.ReadAllBytesAsync(mp3), bitrateKbps);
        if (answer.Contains(" 200 OK", StringComparison.Ordinal))
        {
            await source.FeedAsync();
            var live = station.App.Services.GetRequiredService<LiveSources>();
            await LiveHost.UntilAsync(() => live.Buffered >= 44100 * 2 || source.Closed.IsCompleted);
        }
        return source;
    }

    /// <summary>Sends what is due by the station's clock now (up to <see cref="Lead"/> ahead).</summary>
    public async Task FeedAsync()
    {
        var due = (int)Math.Min(_audio.Length, ((_time.GetUtcNow() - _since) + Lead).TotalSeconds * _bytesPerSecond);
        if (_dropped || Closed.IsCompleted || due <= _sent)
        {
            return;
        }
        try
        {
            await _socket.SendAsync(_audio.AsMemory(_sent, due - _sent));
            _sent = due;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // The server ended the source meanwhile.
        }
    }

    /// <summary>The connection breaks (a reset, as when a host's network goes); what the server buffered still plays out.</summary>
    public void Drop()
    {
        _dropped = true;
        _socket.LingerState = new LingerOption(true, 0);
        _socket.Close();
    }

    public async ValueTask DisposeAsync()
    {
        _dropped = true;
        _socket.Dispose();
        await Task.WhenAny(Closed, Task.Delay(LiveHost.Guard));
    }

    private async Task WaitForCloseAsync()
    {
        var buffer = new byte[256];
        try
        {
            while (await _socket.ReceiveAsync(buffer) > 0)
            {
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // A reset is a close too.
        }
    }

    private static async Task<string> ReadHeadAsync(Socket socket)
    {
        var received = new StringBuilder();
        var buffer = new byte[1];
        while (!received.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal) || received.ToString().EndsWith("100 Continue\r\n\r\n", StringComparison.Ordinal))
        {
            // One byte at a time: nothing after the head may be taken from the socket here.
            var n = await socket.ReceiveAsync(buffer.AsMemory()).AsTask().WaitAsync(LiveHost.Guard);
            if (n == 0)
            {
                break;
            }
            received.Append((char)buffer[0]);
        }
        return received.ToString();
    }
}
