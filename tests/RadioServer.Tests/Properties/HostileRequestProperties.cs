using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using CsCheck;
using Microsoft.Extensions.Logging;
using RadioServer.Streaming;
using RadioServer.Tests.Infrastructure;

namespace RadioServer.Tests.Properties;

/// <summary>
/// The real server on 127.0.0.1 with one healthy listener reading the stream throughout, while generated and
/// mutated raw requests arrive on their own TCP connections: players' GETs mutated, garbage, partial heads, header
/// floods, pipelined requests. The server keeps answering, every answer starts with a status line, nothing is a
/// 5xx but 503 (full) and 505 (an unknown HTTP version), nothing is logged as an error, and the healthy listener gets
/// exactly the bytes the air chain made, its ICY blocks where they belong.
/// </summary>
public sealed partial class HostileRequestProperties : IDisposable
{
    private const int MetaInt = 4000;

    private static readonly TimeSpan s_readGuard = TimeSpan.FromSeconds(5);

    private readonly TempFolder _folder = new();

    public HostileRequestProperties() => TestAudio.WriteToneWav(_folder.File("Steady - Tone.wav"), 700, seconds: 30);

    public void Dispose() => _folder.Dispose();

    private static readonly string[] s_others =
    [
        "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", "GET /listen.m3u HTTP/1.1\r\nHost: x\r\n\r\n", "HEAD /stream HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /nothing-here HTTP/1.1\r\nHost: x\r\n\r\n", "GET /stream HTTP/1.1\r\nHost: x\r\n\r\n", "GET /stream HTTP/1.0\r\nIcy-MetaData: 1\r\n\r\n",
        "POST /stream HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc", "GET /api/status HTTP/1.1\r\nHost: x\r\n\r\n", "\r\n",
    ];

    /// <summary>One hostile connection: what it sends, cut into pieces sent back to back.</summary>
    private static readonly Gen<Hostile> s_hostile = Gen.Frequency(
        (5, ListenerRequestProperties.MutatedRequests),
        (2, ListenerRequestProperties.Soup),
        (2, ListenerRequestProperties.RequestLines),
        (1, ListenerRequestProperties.PlayerRequests),
        (1, Gen.Int[60, 1200].Select(n => Encoding.ASCII.GetBytes($"GET /stream HTTP/1.1\r\n{string.Concat(Enumerable.Range(0, n).Select(i => $"X-Flood-{i}: {i}\r\n"))}\r\n"))),
        (1, Gen.Int[4000, 40_000].Select(n => Encoding.ASCII.GetBytes($"GET /stream HTTP/1.1\r\nX-Long: {new string('a', n)}\r\n\r\n"))),
        (2, Gen.Frequency((3, Gen.OneOf(s_others).Select(r => Encoding.ASCII.GetBytes(r))), (1, ListenerRequestProperties.MutatedRequests)).Array[2, 4].Select(r => r.SelectMany(b => b).ToArray())))
        .Select(Gen.Double[0, 1].Array[0, 2], (bytes, cuts) => new Hostile(bytes, [.. cuts.Select(c => (int)(c * bytes.Length)).Order()]));

    [Fact]
    public async Task HostileRequests_ServerKeepsAnswering_AndTheHealthyListenersBytesAreUntouched()
    {
        await using var station = await TestStation.StartAsync(_folder.Media, new Dictionary<string, string?> { ["Radio:MetaInt"] = MetaInt.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        await using var healthy = await StreamClient.ConnectAsync(station.Url("/stream"), icyMetadata: true);
        Assert.Equal(MetaInt, healthy.MetaInt);
        var port = station.BaseUri.Port;
        var answered = 0;

        await Property.RunAsync(s_hostile, async hostile =>
        {
            var response = await ExchangeAsync(port, hostile);
            if (response.Length > 0)
            {
                answered++;
                var text = Encoding.Latin1.GetString(response);
                Assert.Matches(StatusLine(), text);
                foreach (Match status in AnyStatusLine().Matches(text))
                {
                    var code = int.Parse(status.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
                    // 503: the station is full. 505: Kestrel's answer to a version it does not know ("htTP/1.1", "HTTP/2.0"
                    // on HTTP/1), the client's mistake by its nature. Any other 5xx is the server's failure.
                    Assert.True(code is < 500 or 503 or 505, $"answered {code}: {Property.Escape(text[..Math.Min(text.Length, 300)])}");
                }
            }
            // The air goes on meanwhile: 100 ms of audio for the healthy listener after each connection.
            await station.AdvanceAsync(TimeSpan.FromMilliseconds(100));
        }, seed: "hostileConn1", iter: 150, print: h => $"{Property.Escape(h.Bytes[..Math.Min(h.Bytes.Length, 600)])} ({h.Bytes.Length} bytes, cut at {string.Join(",", h.Cuts)})");

        // Most inputs hold a whole head and get an answer; those with none are closed, answered or not.
        Assert.True(answered >= 75, $"only {answered} of 150 connections got an answer");

        // Still answering: the health check, and a new player.
        using var http = new HttpClient { BaseAddress = station.BaseUri, Timeout = s_readGuard };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
        await using (var late = await StreamClient.ConnectAsync(station.Url("/stream")))
        {
            Assert.Equal(200, late.StatusCode);
        }

        // The healthy listener got every byte the air chain made, in order, and nothing else: its audio is the
        // broadcast buffer's chunks end to end, the ICY blocks exactly every MetaInt bytes, each naming the track.
        await healthy.WaitForAudioAsync(station.Buffer.EndPosition, s_readGuard);
        var audio = healthy.Audio;
        Assert.Equal(Broadcast(station.Buffer), audio);
        Assert.True(audio.Length > 150 * 1000, $"{audio.Length} bytes of audio");
        TestAudio.Frames(audio);
        var blocks = healthy.Blocks;
        Assert.InRange(blocks.Count, (audio.Length - 1) / MetaInt, audio.Length / MetaInt); // the block after the last byte may be on its way
        for (var i = 0; i < blocks.Count; i++)
        {
            Assert.Equal((i + 1L) * MetaInt, blocks[i].AudioOffset);
        }
        Assert.Equal("Steady - Tone", blocks[0].StreamTitle);
        Assert.All(blocks.Skip(1), b => Assert.True(b.Length == 0 || b.StreamTitle == "Steady - Tone", $"block of {b.Length} bytes: {b.StreamTitle}"));
        Assert.DoesNotContain(station.Logs.Entries, e => e.Level >= LogLevel.Error);
    }

    [Fact]
    public async Task RequestLineWithNoTarget_IsAnswered_AndTheStationStillTakesConnections()
    {
        // Found by ListenerRequestProperties: the accept loop's parser threw on these (ArgumentOutOfRangeException, out of
        // the accept loop: "The connection listener failed to accept any new connections"), and the station took no new
        // connection after it: no player, no page, no /healthz.
        await using var station = await TestStation.StartAsync(_folder.Media);
        await using var healthy = await StreamClient.ConnectAsync(station.Url("/stream"));
        using var http = new HttpClient { BaseAddress = station.BaseUri, Timeout = s_readGuard };
        var players = new List<StreamClient>();
        try
        {
            foreach (var request in new[] { "GET HTTP/1.1\r\n\r\n", "GET HTTP/1.0\r\nHost: x\r\n\r\n" })
            {
                var response = Encoding.Latin1.GetString(await ExchangeAsync(station.BaseUri.Port, new Hostile(Encoding.ASCII.GetBytes(request), [])));
                Assert.StartsWith("HTTP/1.1 400 ", response, StringComparison.Ordinal);
                Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
                players.Add(await StreamClient.ConnectAsync(station.Url("/stream")).WaitAsync(s_readGuard));
                Assert.Equal(200, players[^1].StatusCode);
                Assert.Equal(1 + players.Count, station.Listeners.Count);
            }
        }
        finally
        {
            foreach (var player in players)
            {
                await player.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Sends the bytes (in their pieces) and reads what comes back: until the server closes, or the head of a stream
    /// answer (a player's request that held up: it never ends), or as many whole answers as the bytes hold request
    /// heads. Bytes with no whole head are followed by closing the sending side (a partial head: the server must close).
    /// A read that waits longer than the guard fails: the server must answer or close.
    /// </summary>
    private static async Task<byte[]> ExchangeAsync(int port, Hostile hostile)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, port);
        var heads = HeadsIn(hostile.Bytes);
        var received = new MemoryStream();
        try
        {
            var from = 0;
            foreach (var cut in hostile.Cuts.Append(hostile.Bytes.Length))
            {
                await socket.SendAsync(hostile.Bytes.AsMemory(from, cut - from));
                from = cut;
            }
            if (heads == 0)
            {
                socket.Shutdown(SocketShutdown.Send);
            }
            var buffer = new byte[65536];
            while (heads == 0 || !Answered(received.GetBuffer().AsSpan(0, (int)received.Length), heads))
            {
                using var guard = new CancellationTokenSource(s_readGuard);
                int n;
                try
                {
                    n = await socket.ReceiveAsync(buffer, SocketFlags.None, guard.Token);
                }
                catch (OperationCanceledException)
                {
                    throw new TimeoutException($"no answer and no close {s_readGuard.TotalSeconds} s after the request; {received.Length} bytes so far");
                }
                if (n == 0)
                {
                    break;
                }
                received.Write(buffer, 0, n);
                Assert.True(received.Length < 4 << 20, "an answer of more than 4 MiB that is not the stream");
            }
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.Shutdown or SocketError.ConnectionAborted)
        {
            // The server dropped the connection: a close, and what came before still counts.
        }
        return received.ToArray();
    }

    /// <summary>
    /// Whether <paramref name="data"/> holds <paramref name="wanted"/> whole answers (1xx not counted), or a stream's head.
    /// An answer ends after its Content-Length or last chunk; one with neither ends at the close (Connection: close,
    /// HTTP/1.0) or, kept alive, with its head (an answer to HEAD).
    /// </summary>
    private static bool Answered(ReadOnlySpan<byte> data, int wanted)
    {
        var answers = 0;
        while (answers < wanted)
        {
            var end = data.IndexOf("\r\n\r\n"u8);
            if (end < 0)
            {
                return false;
            }
            var head = Encoding.Latin1.GetString(data[..end]);
            var body = data[(end + 4)..];
            if (Header(head, "Content-Type") is { } type && type.StartsWith("audio/mpeg", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
            if (head.StartsWith("HTTP/1.1 1", StringComparison.Ordinal))
            {
                data = body;
                continue;
            }
            int length;
            if (Header(head, "Content-Length") is { } contentLength)
            {
                length = int.Parse(contentLength, System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (Header(head, "Transfer-Encoding") is "chunked")
            {
                length = 0;
                while (true)
                {
                    var eol = body[length..].IndexOf("\r\n"u8);
                    if (eol < 0)
                    {
                        return false;
                    }
                    var size = Convert.ToInt32(Encoding.ASCII.GetString(body.Slice(length, eol)).Split(';')[0], 16);
                    length += eol + 2 + size + 2;
                    if (size == 0 || length > body.Length)
                    {
                        break;
                    }
                }
            }
            else if (Header(head, "Connection") is "close" || head.StartsWith("HTTP/1.0", StringComparison.Ordinal))
            {
                return false; // ends when the server closes
            }
            else
            {
                length = 0;
            }
            if (body.Length < length)
            {
                return false;
            }
            data = body[length..];
            answers++;
        }
        return true;
    }

    private static string? Header(string head, string name) =>
        head.Split("\r\n").Skip(1).Where(l => l.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase)).Select(l => l[(name.Length + 1)..].Trim()).LastOrDefault();

    /// <summary>Request heads in the bytes: runs ended by a blank line that hold more than line ends (empty lines between requests are skipped).</summary>
    private static int HeadsIn(ReadOnlySpan<byte> data)
    {
        var count = 0;
        for (var at = data.IndexOf("\r\n\r\n"u8); at >= 0; at = data.IndexOf("\r\n\r\n"u8))
        {
            if (data[..at].IndexOfAnyExcept("\r\n"u8) >= 0)
            {
                count++;
            }
            data = data[(at + 4)..];
        }
        return count;
    }

    /// <summary>Every chunk the air chain published, end to end (all still in the ring: it holds more than the queue limit).</summary>
    private static byte[] Broadcast(BroadcastBuffer buffer)
    {
        var all = new MemoryStream();
        for (long sequence = 0; sequence < buffer.Head; sequence++)
        {
            Assert.Equal(ChunkRead.Ok, buffer.TryRead(sequence, out var chunk));
            all.Write(chunk!.Data);
        }
        return all.ToArray();
    }

    [GeneratedRegex(@"\AHTTP/1\.[01] [1-5][0-9][0-9] [^\r\n]*\r\n")]
    private static partial Regex StatusLine();

    [GeneratedRegex(@"(?:\A|\r\n)HTTP/1\.[01] ([0-9]{3}) ")]
    private static partial Regex AnyStatusLine();

    private sealed record Hostile(byte[] Bytes, int[] Cuts);
}
