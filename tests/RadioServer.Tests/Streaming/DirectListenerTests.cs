using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using RadioServer.Streaming;
using RadioServer.Streaming.Connections;
using RadioServer.Streaming.Listeners;
using RadioServer.Tests.Infrastructure;

namespace RadioServer.Tests.Streaming;

/// <summary>Listeners answered by the station's own accept loop; everything else still reaches Kestrel.</summary>
public sealed class DirectListenerTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public DirectListenerTests() => TestAudio.WriteToneWav(_folder.File("Alpha - One.wav"), 500, 5);

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n", true, false, "")]
    [InlineData("GET /stream HTTP/1.0\r\nIcy-MetaData: 1\r\nUser-Agent: VLC/3.0.18 LibVLC/3.0.18\r\n\r\n", true, true, "VLC/3.0.18 LibVLC/3.0.18")]
    [InlineData("GET /stream?nocache=12345 HTTP/1.1\r\nicy-metadata:1\r\nuser-agent:  mpg123/1.31  \r\n\r\n", true, true, "mpg123/1.31")]
    [InlineData("GET /stream HTTP/1.1\r\nIcy-MetaData: 0\r\nContent-Length: 0\r\n\r\n", true, false, "")]
    [InlineData("GET /streamx HTTP/1.1\r\n\r\n", false, false, "")] // another path
    [InlineData("GET /stream/ HTTP/1.1\r\n\r\n", false, false, "")]
    [InlineData("HEAD /stream HTTP/1.1\r\n\r\n", false, false, "")] // Kestrel answers HEAD
    [InlineData("POST /stream HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc", false, false, "")]
    [InlineData("GET /stream HTTP/2.0\r\n\r\n", false, false, "")]
    [InlineData("GET /stream HTTP/1.1\r\nHost: x\r\n", false, false, "")] // the head has not ended
    [InlineData("GET /stream HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", false, false, "")]
    [InlineData("GET /stream HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n", false, false, "")]
    [InlineData("GET /stream HTTP/1.1\r\nNo colon here\r\n\r\n", false, false, "")] // Kestrel says 400
    [InlineData("GET /stream HTTP/1.1\r\n folded: line\r\n\r\n", false, false, "")]
    [InlineData("GET /stream HTTP/1.1\r\nUser-Agent: caf\u00e9\r\n\r\n", false, false, "")] // not ASCII: Kestrel decides
    [InlineData("GET /str\u0001eam HTTP/1.1\r\n\r\n", false, false, "")]
    public void Parse_ClaimsOnlyAPlainGetOfTheMount(string head, bool claimed, bool icy, string userAgent)
    {
        var bytes = Encoding.Latin1.GetBytes(head);
        Assert.Equal(claimed, ListenerRequest.TryParse(bytes, "/stream"u8, out var request));
        if (claimed)
        {
            Assert.Equal(head.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4, request.HeadLength);
            Assert.Equal(icy, request.IcyMetadata);
            Assert.Equal(userAgent, request.UserAgent);
        }
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(Broadcaster.WritesPerPass, 1)] // few listeners: each one after every publish, a live host's voice within one
    [InlineData(Broadcaster.WritesPerPass + 1, 2)]
    [InlineData(Broadcaster.WritesPerPass * 3, 3)]
    [InlineData(Broadcaster.WritesPerPass * Broadcaster.MaxStride, Broadcaster.MaxStride)]
    [InlineData(19_600, Broadcaster.MaxStride)] // many: few large writes, the trade that holds them on one core
    public void Stride_WidensWithTheListeners_SoAPassWritesAtMostItsShare(int listeners, int stride)
    {
        Assert.Equal(stride, Broadcaster.StrideFor(listeners));
        Assert.True(listeners <= Broadcaster.WritesPerPass * stride || stride == Broadcaster.MaxStride);
    }

    [Fact]
    public async Task Player_IsServedFromTheAcceptLoop_WhileTheRestStillReachesKestrel()
    {
        await using var station = await TestStation.StartAsync(_folder.Media);
        var direct = station.App.Services.GetRequiredService<DirectListeners>();
        await station.AdvanceAsync(TimeSpan.FromSeconds(1));

        await using (var player = await StreamClient.ConnectAsync(station.Url("/stream"), icyMetadata: true))
        {
            Assert.Equal(200, player.StatusCode);
            Assert.Equal("16000", player.Headers["icy-metaint"]);
            Assert.Equal(1, direct.Served);
            Assert.Equal(1, station.Listeners.Count);
            await station.AdvanceAsync(TimeSpan.FromSeconds(3));
            await player.WaitForAudioAsync(station.Buffer.EndPosition - 4096);
            Assert.Equal("Alpha - One", player.Blocks[0].StreamTitle);
            Assert.Equal("RadioServer.Tests", Assert.Single(station.Listeners.Sessions).UserAgent);
        }

        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(station.Url("/healthz"))).StatusCode);
        using var head = new HttpRequestMessage(HttpMethod.Head, station.Url("/stream"));
        using var headResponse = await http.SendAsync(head);
        Assert.Equal("audio/mpeg", headResponse.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(station.Url("/nothing-here"))).StatusCode);
        Assert.Equal(1, direct.Served);
    }

    [Theory]
    [MemberData(nameof(ListenerPaths.Both), MemberType = typeof(ListenerPaths))]
    public async Task Player_IsWrittenByTheBroadcaster_OrThroughKestrelsPipe_AsConfigured(bool directListeners)
    {
        await using var station = await TestStation.StartAsync(_folder.Media, ListenerPaths.Settings(directListeners));
        var direct = station.App.Services.GetRequiredService<DirectListeners>();
        await station.AdvanceAsync(TimeSpan.FromSeconds(1));

        await using var player = await StreamClient.ConnectAsync(station.Url("/stream"), icyMetadata: true);
        await station.AdvanceAsync(TimeSpan.FromSeconds(2));
        await player.WaitForAudioAsync(station.Buffer.EndPosition - 4096);

        // The direct paths write the raw head Icecast-style; Kestrel's pipe writes its own status line and Server header.
        Assert.Equal(directListeners ? "RadioServer" : "Kestrel", player.Headers["Server"]);
        Assert.Equal(directListeners ? 1 : 0, direct.Served);
        Assert.Equal(1, station.Listeners.Count);
        Assert.Equal(16000, player.MetaInt);
    }

    [Theory]
    [InlineData("/listen.m3u", "#EXTM3U")]
    [InlineData("/healthz", "ok")]
    public async Task PipelinedBehindAnotherRequest_TheStreamComesAfterThatAnswer_NeverInsideIt(string first, string firstBody)
    {
        await using var station = await TestStation.StartAsync(_folder.Media);
        await station.AdvanceAsync(TimeSpan.FromSeconds(3));
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, station.BaseUri.Port);
        await socket.SendAsync(Encoding.ASCII.GetBytes($"GET {first} HTTP/1.1\r\nHost: x\r\n\r\nGET /stream HTTP/1.1\r\nHost: x\r\n\r\n"));

        // Read until the stream's head and some audio are there.
        var received = new MemoryStream();
        var buffer = new byte[65536];
        while (Encoding.Latin1.GetString(received.ToArray()) is var text && (text.Split("HTTP/1.").Length < 3 || received.Length < 20_000))
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory()).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            Assert.True(n > 0, $"closed after {received.Length} bytes");
            received.Write(buffer, 0, n);
        }
        var all = Encoding.Latin1.GetString(received.ToArray());
        var firstHead = all.IndexOf("HTTP/1.", StringComparison.Ordinal);
        var secondHead = all.IndexOf("HTTP/1.", firstHead + 1, StringComparison.Ordinal);
        // The first answer whole (its head, then its body), and only then the stream's head: before, the stream's
        // head and audio came first and the playlist appeared inside the MP3.
        Assert.Equal(0, firstHead);
        Assert.Contains(firstBody, all[..secondHead], StringComparison.Ordinal);
        Assert.DoesNotContain("audio/mpeg", all[..secondHead], StringComparison.Ordinal);
        Assert.Contains("audio/mpeg", all[secondHead..all.IndexOf("\r\n\r\n", secondHead, StringComparison.Ordinal)], StringComparison.Ordinal);
        Assert.Equal(1, station.Listeners.Count);
    }

    [Fact]
    public async Task HangUp_LeavesAsClientClosed_AndTheSocketIsClosed()
    {
        await using var station = await TestStation.StartAsync(_folder.Media);
        await station.AdvanceAsync(TimeSpan.FromSeconds(1));
        var left = new TaskCompletionSource<ListenerSession>(TaskCreationOptions.RunContinuationsAsynchronously);
        station.Listeners.Left += s => left.TrySetResult(s);

        var player = await StreamClient.ConnectAsync(station.Url("/stream"));
        await player.DisposeAsync();
        await station.AdvanceUntilAsync(left.Task);

        Assert.Equal(LeaveReason.ClientClosed, (await left.Task).LeaveReason);
        Assert.Equal(0, station.Listeners.Count);
    }

    [Fact]
    public async Task HeadInTwoPieces_StillPlays()
    {
        await using var station = await TestStation.StartAsync(_folder.Media);
        await station.AdvanceAsync(TimeSpan.FromSeconds(1));
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, station.BaseUri.Port);
        await socket.SendAsync("GET /stream HTTP/1.1\r\nHost: x\r\n"u8.ToArray());
        await Task.Delay(50); // not waiting for an event: only making the server likely to see the first piece alone
        await socket.SendAsync("Icy-MetaData: 1\r\n\r\n"u8.ToArray());

        var received = new MemoryStream();
        var buffer = new byte[65536];
        while (!Encoding.ASCII.GetString(received.ToArray()).Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory()).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            Assert.True(n > 0, "the connection closed before the response head");
            received.Write(buffer, 0, n);
        }
        var text = Encoding.ASCII.GetString(received.ToArray());
        Assert.StartsWith("HTTP/1.", text, StringComparison.Ordinal);
        Assert.Contains(" 200 ", text.Split("\r\n")[0], StringComparison.Ordinal);
        Assert.Contains("icy-metaint: 16000", text, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(1, station.Listeners.Count);
    }
}

public sealed class DescriptorBudgetTests
{
    [Fact]
    public void Budget_KeepsTheSpare_FollowsWhatIsOpen_AndTheLimit()
    {
        long limit = 100, open = 50;
        var budget = new DescriptorBudget(() => limit, () => open);
        Assert.Equal(100 - 50 - DescriptorBudget.Spare, budget.Capacity);
        var taken = 0;
        while (budget.TryTake())
        {
            taken++;
        }
        Assert.Equal(100 - 50 - DescriptorBudget.Spare, taken);

        budget.Release();
        Assert.True(budget.TryTake());
        Assert.False(budget.TryTake());

        // The process has opened 10 more files of its own (86 open, 26 of them connections), and the limit was raised.
        open = 86;
        limit = 200;
        budget.Recount();
        Assert.Equal(200 - 60 - DescriptorBudget.Spare, budget.Capacity);
        Assert.True(budget.TryTake());
        Assert.Equal(27, budget.Connections);
    }

    [Fact]
    public void Budget_CountsThisProcessDescriptors()
    {
        using var budget = new DescriptorBudget(TimeProvider.System);
        var open = Directory.GetFiles("/proc/self/fd").Length;
        var others = budget.Limit - DescriptorBudget.Spare - budget.Capacity;
        Assert.InRange(others, open - 8, open + 8); // other tests open and close files meanwhile
    }
}
