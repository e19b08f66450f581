using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using RadioServer.Live;
using RadioServer.Live.Accounts;

namespace RadioServer.Tests.Infrastructure;

/// <summary>A live source client over a raw socket, as source clients speak: a PUT head with Basic credentials, then the audio.</summary>
internal sealed class SourceClient : IDisposable
{
    private static readonly TimeSpan s_guard = TimeSpan.FromSeconds(20);

    private readonly TestStation _station;

    private SourceClient(Socket socket, TestStation station)
    {
        Socket = socket;
        _station = station;
    }

    public Socket Socket { get; }

    /// <summary>The server's answer (up to the end of its last head, or to the connection's end).</summary>
    public string Answer { get; private set; } = "";

    public Task? Sending { get; private set; }

    public static async Task<SourceClient> ConnectAsync(TestStation station, string user, string password, string mount = "/live", string contentType = "audio/mpeg", string? name = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, station.BaseUri.Port);
        var client = new SourceClient(socket, station);
        var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));
        await socket.SendAsync(Encoding.ASCII.GetBytes(
            $"PUT {mount} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic {basic}\r\nContent-Type: {contentType}\r\nExpect: 100-continue\r\n" +
            (name is null ? "" : $"ice-name: {name}\r\n") + "User-Agent: test-source/1.0\r\n\r\n"));
        client.Answer = await ReadAnswerAsync(socket);
        return client;
    }

    public bool Accepted => Answer.Contains("200 OK", StringComparison.Ordinal);

    /// <summary>Starts sending the file (more than the server buffers: the rest waits in TCP, as a real-time client would).</summary>
    public void Send(string mp3)
    {
        var bytes = File.ReadAllBytes(mp3);
        lock (s_sent)
        {
            s_sent.Add((_station, bytes.Length));
        }
        Sending = Socket.SendAsync(bytes, SocketFlags.None);
    }

    // What every client sent, per station, so a wait knows a source that read all of it has nothing more to buffer.
    private static readonly HashSet<(TestStation, long)> s_sent = [];

    /// <summary>Whether the server closed the connection (it ended the source).</summary>
    public async Task<bool> ClosedByServerAsync()
    {
        var buffer = new byte[256];
        try
        {
            return await Socket.ReceiveAsync(buffer.AsMemory()).AsTask().WaitAsync(s_guard) == 0;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    public void Hangup()
    {
        try
        {
            Socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }
        Socket.Close();
    }

    public void Dispose() => Socket.Dispose();

    /// <summary>Reads the server's answer: up to the end of its (last) head, or to the connection's end.</summary>
    public static async Task<string> ReadAnswerAsync(Socket socket, bool toEnd = false)
    {
        var received = new StringBuilder();
        var buffer = new byte[4096];
        while (true)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory()).AsTask().WaitAsync(s_guard);
            if (n == 0)
            {
                return received.ToString();
            }
            received.Append(Encoding.ASCII.GetString(buffer, 0, n));
            var text = received.ToString();
            if (!toEnd && text.EndsWith("\r\n\r\n", StringComparison.Ordinal) && !text.EndsWith("100 Continue\r\n\r\n", StringComparison.Ordinal))
            {
                return text;
            }
        }
    }

    /// <summary>Steps the station's clock while the live sources keep their buffers fed (their reading tasks run on the real clock).</summary>
    public static Task AdvanceFedAsync(TestStation station, TimeSpan total)
    {
        var live = station.App.Services.GetRequiredService<LiveSources>();
        // The fake clock runs faster than real time: a slot's recording gets the time to write what it was given.
        var recorder = station.App.Services.GetRequiredService<RadioServer.Live.Recording.ILiveRecorder>() as RadioServer.Live.Recording.LiveRecorder;
        return station.AdvanceAsync(total, TimeSpan.FromMilliseconds(100), () => UntilAsync(() =>
        {
            var (master, host, _) = live.Director.Snapshot();
            return Fed(station, master) && Fed(station, host) && (recorder is null || recorder.Queued < recorder.QueueFrames / 2);
        }));
    }

    private static bool Fed(TestStation station, LiveSource? source)
    {
        if (source is null || source.Disconnected || source.Buffer.Count >= 44100)
        {
            return true;
        }
        lock (s_sent)
        {
            return s_sent.Contains((station, source.BytesRead));
        }
    }

    public static async Task UntilAsync(Func<bool> condition)
    {
        var until = Environment.TickCount64 + (long)s_guard.TotalMilliseconds;
        while (!condition())
        {
            if (Environment.TickCount64 > until)
            {
                throw new TimeoutException("the server did not reach the expected state in time");
            }
            await Task.Delay(2);
        }
    }
}

/// <summary>Host accounts in memory, as the tests need them (the real store hashes in SQLite).</summary>
internal sealed class FakeHostAccounts : IHostAccounts
{
    private readonly Dictionary<string, (string Password, HostAccount Account)> _accounts = new(StringComparer.OrdinalIgnoreCase);

    public FakeHostAccounts Add(string name, string password, bool disabled = false)
    {
        _accounts[name] = (password, new HostAccount(name, disabled, null, DateTimeOffset.UnixEpoch, null));
        return this;
    }

    public HostAccount? Verify(string name, string password) =>
        _accounts.TryGetValue(name.Trim(), out var a) && a.Password == password ? a.Account : null;

    public event Action<HostAccountRevoked>? Revoked;

    public void Block(string name, DateTimeOffset until)
    {
        if (_accounts.TryGetValue(name, out var a))
        {
            _accounts[name] = (a.Password, a.Account with { BlockedUntil = until });
            Revoked?.Invoke(new HostAccountRevoked(_accounts[name].Account, HostAccountRevocation.Blocked)); // as the real store
        }
    }
}
