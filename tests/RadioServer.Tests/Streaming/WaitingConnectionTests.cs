using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RadioServer.Streaming.Connections;
using RadioServer.Streaming.Listeners;
using RadioServer.Tests.Infrastructure;

namespace RadioServer.Tests.Streaming;

/// <summary>
/// Connections whose request head has not arrived whole (issue 12, findings 3 and 5), over real sockets: silent or
/// slow ones are closed after the head timeout, one address cannot hold more than its share of them, they give way
/// to players when the open-file budget is full, and a player whose head came in pieces or large, then half-closed,
/// is still served.
/// </summary>
public sealed class WaitingConnectionTests : IDisposable
{
    private static readonly TimeSpan s_guard = TimeSpan.FromSeconds(15);
    private readonly TempFolder _folder = new();

    public WaitingConnectionTests() => TestAudio.WriteToneWav(_folder.File("Alpha - One.wav"), 500, 5);

    public void Dispose() => _folder.Dispose();

    public static TheoryData<string, int> Heads => new()
    {
        { "GET /stream HTTP/1.1\r\nHost: x\r\n|Icy-MetaData: 1\r\n\r\n", 16000 }, // in two pieces
        { $"GET /stream HTTP/1.1\r\nHost: x\r\nCookie: {new string('c', 6000)}\r\n\r\n", 0 }, // over the first look's 4 KiB
        { $"GET /stream HTTP/1.1\r\nCookie: {new string('c', 5000)}\r\n|Cookie2: {new string('d', 5000)}\r\nIcy-MetaData: 1\r\n\r\n", 16000 }, // both
    };

    [Theory]
    [MemberData(nameof(Heads))]
    public async Task HeadInPiecesOrLarge_ThenHalfClosed_IsServedAudio(string head, int metaInt)
    {
        await using var station = await TestStation.StartAsync(_folder.Media);
        var waiting = station.App.Services.GetRequiredService<WaitingConnections>();
        var direct = station.App.Services.GetRequiredService<DirectListeners>();
        await station.AdvanceAsync(TimeSpan.FromSeconds(3));

        using var socket = await ConnectAsync(station);
        var pieces = head.Split('|');
        for (var i = 0; i < pieces.Length; i++)
        {
            await socket.SendAsync(Encoding.ASCII.GetBytes(pieces[i]));
            if (i < pieces.Length - 1)
            {
                await UntilAsync(() => waiting.Count == 1); // the server holds the first piece before the rest is sent
            }
        }
        socket.Shutdown(SocketShutdown.Send); // a half-close, as `nc -q`, some scripts and old players do

        var (status, body) = await ReadAsync(socket, 20_000);
        Assert.StartsWith("HTTP/1.0 200", status, StringComparison.Ordinal);
        Assert.Contains("Server: RadioServer", status, StringComparison.Ordinal);
        Assert.Equal(metaInt > 0, status.Contains($"icy-metaint: {metaInt}", StringComparison.Ordinal));
        Assert.True(body.Length >= 20_000, $"{body.Length} bytes");
        Assert.Equal(0xFF, body[0]); // an MP3 frame header starts the audio
        Assert.Equal(1, direct.Served);
        Assert.Equal(1, station.Listeners.Count);
        Assert.DoesNotContain(station.Logs.Entries, e => e.Level >= LogLevel.Error);
    }

    [Fact]
    public async Task HeadNotWholeInTime_IsClosed_With408WhenPartOfItCame()
    {
        await using var station = await TestStation.StartAsync(_folder.Media);
        var waiting = station.App.Services.GetRequiredService<WaitingConnections>();

        using var partial = await ConnectAsync(station);
        await partial.SendAsync("GET /stream HTTP/1.1\r\nHost: x\r\n"u8.ToArray());
        using var silent = await ConnectAsync(station); // accepted by the kernel's deferred accept after ~3 s of silence
        await UntilAsync(() => waiting.Count == 2);

        station.Time!.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(2, waiting.Count); // the timeout (5 s) has not passed
        station.Time.Advance(TimeSpan.FromSeconds(2));

        var (status, _) = await ReadAsync(partial, 0);
        Assert.StartsWith("HTTP/1.0 408", status, StringComparison.Ordinal);
        var (nothing, rest) = await ReadAsync(silent, 0);
        Assert.Equal("", nothing + Encoding.ASCII.GetString(rest)); // closed without a word
        Assert.Equal(0, waiting.Count);
        Assert.Equal(2, waiting.TimedOut);
        var budget = station.App.Services.GetRequiredService<DescriptorBudget>();
        await station.App.Services.GetServices<IHostedService>().OfType<Warmup>().Single().ExecuteTask!.WaitAsync(s_guard); // its requests hold places too
        await UntilAsync(() => budget.Connections == 0, () => $"{budget.Connections} held");
    }

    [Fact]
    public async Task OneAddress_HoldsAtMostItsShareOfWaitingConnections_AndPlayersStillPlay()
    {
        await using var station = await TestStation.StartAsync(_folder.Media, new Dictionary<string, string?> { ["Radio:MaxWaitingPerAddress"] = "4" });
        var waiting = station.App.Services.GetRequiredService<WaitingConnections>();
        await station.AdvanceAsync(TimeSpan.FromSeconds(3));

        var held = new List<Socket>();
        try
        {
            for (var i = 0; i < 10; i++)
            {
                var socket = await ConnectAsync(station, "127.0.0.2");
                await socket.SendAsync("G"u8.ToArray());
                held.Add(socket);
            }
            await UntilAsync(() => waiting.Count == 4 && waiting.Refused == 6);
            var answers = new List<string>();
            foreach (var socket in held.Skip(4))
            {
                answers.Add((await ReadAsync(socket, 0)).Status.Split("\r\n")[0]);
            }
            Assert.All(answers, a => Assert.Equal("HTTP/1.0 429 Too Many Requests", a));

            // Another address is not held back by that one, and neither is a player from it.
            using var other = await ConnectAsync(station, "127.0.0.3");
            await other.SendAsync("G"u8.ToArray());
            await UntilAsync(() => waiting.Count == 5);
            await using var player = await StreamClient.ConnectAsync(station.Url("/stream"));
            Assert.Equal(200, player.StatusCode);
        }
        finally
        {
            held.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task BudgetFull_TheOldestWaitingConnectionGivesWayToAPlayer()
    {
        const int room = 6;
        await using var station = await TestStation.StartAsync(_folder.Media, services: s =>
            s.Replace(ServiceDescriptor.Singleton(new DescriptorBudget(() => DescriptorBudget.Spare + room, () => 0))));
        var waiting = station.App.Services.GetRequiredService<WaitingConnections>();
        var budget = station.App.Services.GetRequiredService<DescriptorBudget>();
        await station.AdvanceAsync(TimeSpan.FromSeconds(3));
        await station.App.Services.GetServices<IHostedService>().OfType<Warmup>().Single().ExecuteTask!.WaitAsync(s_guard); // its requests hold places too
        await UntilAsync(() => budget.Connections == 0);

        var held = new List<Socket>();
        try
        {
            for (var i = 0; i < room; i++)
            {
                var socket = await ConnectAsync(station, $"127.0.0.{2 + (i % 3)}");
                await socket.SendAsync("GET /stream HTTP/1.1\r\n"u8.ToArray());
                held.Add(socket);
                await UntilAsync(() => waiting.Count == i + 1, () => $"{waiting.Count} waiting, {budget.Connections} held, {budget.Refused} refused, capacity {budget.Capacity}, {waiting.Refused} by address"); // in this order: the first is the oldest
            }
            Assert.Equal(room, budget.Connections);

            // One more slow one finds no room: 503, nobody gives way to it.
            using (var late = await ConnectAsync(station, "127.0.0.5"))
            {
                await late.SendAsync("GET /str"u8.ToArray());
                Assert.StartsWith("HTTP/1.0 503", (await ReadAsync(late, 0)).Status, StringComparison.Ordinal);
            }

            // A player with its request at hand does: the oldest waiting connection is closed for it.
            await using var player = await StreamClient.ConnectAsync(station.Url("/stream"));
            Assert.Equal(200, player.StatusCode);
            Assert.Equal(1, waiting.Evicted);
            Assert.Equal(room - 1, waiting.Count);
            var (status, body) = await ReadAsync(held[0], 0);
            Assert.Equal(0, status.Length + body.Length);
            Assert.Equal(room, budget.Connections);
        }
        finally
        {
            held.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task AFailingHandler_CostsOnlyItsConnection_TheStationStillTakesConnections()
    {
        var thrower = new ThrowingHandler();
        await using var station = await TestStation.StartAsync(_folder.Media, services: s => s.AddSingleton<IDirectConnectionHandler>(thrower));
        var budget = station.App.Services.GetRequiredService<DescriptorBudget>();
        await station.App.Services.GetServices<IHostedService>().OfType<Warmup>().Single().ExecuteTask!.WaitAsync(s_guard);
        await station.AdvanceAsync(TimeSpan.FromSeconds(2));

        using (var socket = await ConnectAsync(station))
        {
            await socket.SendAsync("BREW /pot HTTP/1.1\r\n\r\n"u8.ToArray()); // the thrower's kind: it fails on it
            Assert.Equal("", (await ReadAsync(socket, 0)).Status);
        }
        Assert.Equal(1, thrower.Thrown);
        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(station.Url("/healthz"))).StatusCode);
        await using var player = await StreamClient.ConnectAsync(station.Url("/stream"));
        Assert.Equal(200, player.StatusCode);
        Assert.Contains(station.Logs.Entries, e => e.EventId.Name == "ConnectionTakeFailed");
        http.Dispose();
        await UntilAsync(() => budget.Connections == 1, () => $"{budget.Connections} held"); // only the player's: the failed one gave its place back
    }

    private sealed class ThrowingHandler : IDirectConnectionHandler
    {
        public int Thrown;

        public bool TryClaim(Socket socket, ReadOnlySpan<byte> received)
        {
            if (received.StartsWith("BREW "u8))
            {
                Interlocked.Increment(ref Thrown);
                throw new InvalidOperationException("a handler's bug");
            }
            return false;
        }
    }

    private static async Task<Socket> ConnectAsync(TestStation station, string from = "127.0.0.1")
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        socket.Bind(new IPEndPoint(IPAddress.Parse(from), 0));
        await socket.ConnectAsync(IPAddress.Loopback, station.BaseUri.Port);
        return socket;
    }

    /// <summary>Reads the response head and then body bytes until <paramref name="bodyBytes"/> or the end; the head is empty if the connection closed first.</summary>
    private static async Task<(string Status, byte[] Body)> ReadAsync(Socket socket, int bodyBytes)
    {
        var received = new MemoryStream();
        var buffer = new byte[65536];
        var headEnd = -1;
        while (true)
        {
            int n;
            try
            {
                n = await socket.ReceiveAsync(buffer.AsMemory()).AsTask().WaitAsync(s_guard);
            }
            catch (SocketException)
            {
                n = 0; // reset: as closed
            }
            if (n == 0)
            {
                break;
            }
            received.Write(buffer, 0, n);
            var all = received.ToArray();
            headEnd = all.AsSpan().IndexOf("\r\n\r\n"u8);
            if (headEnd >= 0 && all.Length - headEnd - 4 >= bodyBytes && bodyBytes > 0)
            {
                break;
            }
        }
        var bytes = received.ToArray();
        headEnd = bytes.AsSpan().IndexOf("\r\n\r\n"u8);
        return headEnd < 0 ? (Encoding.ASCII.GetString(bytes), []) : (Encoding.ASCII.GetString(bytes, 0, headEnd + 4), bytes[(headEnd + 4)..]);
    }

    /// <summary>Waits for the server to reach a state it reports (a guard, not a sleep: it returns as soon as it holds).</summary>
    private static async Task UntilAsync(Func<bool> condition, Func<string>? state = null)
    {
        var until = Environment.TickCount64 + (long)s_guard.TotalMilliseconds;
        while (!condition())
        {
            Assert.True(Environment.TickCount64 < until, $"the server did not reach the expected state in time ({state?.Invoke()})");
            await Task.Delay(5);
        }
    }
}
