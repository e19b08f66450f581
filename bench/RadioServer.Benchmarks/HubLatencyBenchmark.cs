using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace RadioServer.Benchmarks;

/// <summary>
/// N WebSocket clients on the hub speaking SignalR's JSON protocol directly, all served by ONE thread
/// on epoll (so the load tool is not what is measured: no task, no thread-pool hop, no allocation per
/// receive); for each track change, the delay from the air chain publishing the new track
/// (nowPlaying.startedAt, the server's clock) to the client's recv returning it (same machine, same clock).
/// Changes in the first <c>settle</c> seconds after the last client connected are reported apart: they
/// meet the collection of the connection wave's garbage, which a station sees once per wave, not per change.
/// </summary>
internal static partial class HubLatencyBenchmark
{
    private const byte RecordSeparator = 0x1e;
    private static readonly byte[] s_target = "\"target\":\"NowPlaying\""u8.ToArray();
    private static readonly byte[] s_startedAt = "\"startedAt\":\""u8.ToArray();

    public static void Run(string url, int clients, int changes, int settle)
    {
        Console.WriteLine($"## Hub: {clients} WebSocket clients on {url}/hubs/radio, {changes} track changes from {settle} s after the last connected (one epoll thread)");
        var uri = new Uri(url);
        var endpoint = new IPEndPoint(IPAddress.Parse(uri.Host), uri.Port);
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var connectWatch = Stopwatch.StartNew();
        var epoll = Native.epoll_create1(0);
        var connections = new List<Client>(clients);
        for (var i = 0; i < clients; i++)
        {
            var client = Client.Connect(endpoint, uri.Authority);
            connections.Add(client);
            var ev = new Native.EpollEvent { Events = Native.EPOLLIN, Data = (ulong)i };
            if (Native.epoll_ctl(epoll, Native.EPOLL_CTL_ADD, client.Fd, ref ev) != 0)
            {
                throw new InvalidOperationException($"epoll_ctl failed: errno {Marshal.GetLastPInvokeError()}");
            }
        }
        Console.WriteLine($"  connected:  {connections.Count} in {connectWatch.Elapsed.TotalSeconds:F1} s");
        var allConnected = DateTimeOffset.UtcNow;
        var settled = allConnected.AddSeconds(settle);

        var deliveries = new List<(string StartedAt, DateTimeOffset ReceivedAt)>(clients * (changes + 2));
        var seen = new Dictionary<string, int>();
        var events = new Native.EpollEvent[256];
        var buffer = new byte[256 * 1024];
        var ping = MaskedTextFrame("{\"type\":6}\u001e"u8);
        var lastPing = Stopwatch.GetTimestamp();
        var clockBase = DateTimeOffset.UtcNow;
        var tickBase = Stopwatch.GetTimestamp();
        var watch = Stopwatch.StartNew();
        var complete = 0;
        while (complete < changes && watch.Elapsed < TimeSpan.FromMinutes(3))
        {
            var n = Native.epoll_wait(epoll, events, events.Length, 200);
            var now = clockBase + Stopwatch.GetElapsedTime(tickBase);
            for (var e = 0; e < n; e++)
            {
                var client = connections[(int)events[e].Data];
                while (true)
                {
                    var read = Native.recv(client.Fd, buffer, buffer.Length, Native.MSG_DONTWAIT);
                    if (read <= 0)
                    {
                        break;
                    }
                    foreach (var startedAt in client.Feed(buffer.AsSpan(0, (int)read)))
                    {
                        deliveries.Add((startedAt, now));
                        seen[startedAt] = seen.GetValueOrDefault(startedAt) + 1;
                        if (seen[startedAt] == clients && DateTimeOffset.Parse(startedAt, CultureInfo.InvariantCulture) > settled)
                        {
                            complete++;
                        }
                    }
                }
            }
            if (Stopwatch.GetElapsedTime(lastPing) > TimeSpan.FromSeconds(10))
            {
                lastPing = Stopwatch.GetTimestamp();
                foreach (var client in connections)
                {
                    Native.send(client.Fd, ping, ping.Length, Native.MSG_DONTWAIT | Native.MSG_NOSIGNAL);
                }
            }
        }
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        // Only changes published after every client was connected (and so received by all) are measured.
        var all = deliveries
            .Select(d => (d.StartedAt, Started: DateTimeOffset.Parse(d.StartedAt, CultureInfo.InvariantCulture), d.ReceivedAt))
            .Where(d => d.Started > allConnected)
            .ToList();
        var measured = all.Where(d => d.Started > settled).ToList();
        var early = all.Where(d => d.Started <= settled).ToList();
        var sorted = measured.Select(d => (d.ReceivedAt - d.Started).TotalMilliseconds).Order().ToArray();
        double P(double q) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];
        if (Environment.GetEnvironmentVariable("HUB_PER_CHANGE") == "1")
        {
            foreach (var change in all.GroupBy(d => d.StartedAt).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                var ms = change.Select(d => (d.ReceivedAt - d.Started).TotalMilliseconds).Order().ToArray();
                Console.WriteLine($"    {change.Key}: {ms.Length} deliveries, first {ms[0]:F1} ms, median {ms[ms.Length / 2]:F1} ms, last {ms[^1]:F1} ms");
            }
        }
        Console.WriteLine($"  changes:    {seen.Count} seen, {measured.Select(d => d.StartedAt).Distinct().Count()} from {settle} s after all clients connected, {sorted.Length} deliveries measured");
        Console.WriteLine($"  latency:    p50 {P(0.50):F1} ms, p90 {P(0.90):F1} ms, p99 {P(0.99):F1} ms, max {P(1.0):F1} ms");
        if (early.Count > 0)
        {
            var first = early.Select(d => (d.ReceivedAt - d.Started).TotalMilliseconds).Order().ToArray();
            Console.WriteLine($"  in the first {settle} s after the wave ({early.Select(d => d.StartedAt).Distinct().Count()} changes): median {first[first.Length / 2]:F1} ms, last {first[^1]:F1} ms");
        }
        Console.WriteLine($"  load tool:  {cpu.TotalSeconds:F1} s CPU over {watch.Elapsed.TotalSeconds + connectWatch.Elapsed.TotalSeconds:F0} s");
        foreach (var client in connections)
        {
            client.Dispose();
        }
        Native.close(epoll);
    }

    private static byte[] MaskedTextFrame(ReadOnlySpan<byte> payload)
    {
        // Client-to-server frames must be masked; a zero mask leaves the payload as is.
        var frame = new byte[6 + payload.Length];
        frame[0] = 0x81;
        frame[1] = (byte)(0x80 | payload.Length);
        payload.CopyTo(frame.AsSpan(6));
        return frame;
    }

    /// <summary>One WebSocket: handshake done with a blocking socket, then read raw from the epoll loop.</summary>
    private sealed class Client : IDisposable
    {
        private readonly Socket _socket;
        private byte[] _pending = new byte[16 * 1024];
        private int _length;

        private Client(Socket socket) => _socket = socket;

        public int Fd => (int)_socket.Handle;

        public static Client Connect(IPEndPoint endpoint, string authority)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            socket.Connect(endpoint);
            var request = "GET /hubs/radio HTTP/1.1\r\nHost: " + authority + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
            socket.Send(Encoding.ASCII.GetBytes(request));
            var client = new Client(socket);
            // Read the 101 response byte by byte up to the blank line, so no frame is swallowed.
            var header = new StringBuilder();
            var one = new byte[1];
            while (!header.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
            {
                if (socket.Receive(one) != 1)
                {
                    throw new InvalidOperationException("hub closed during the WebSocket handshake");
                }
                header.Append((char)one[0]);
            }
            if (!header.ToString().StartsWith("HTTP/1.1 101", StringComparison.Ordinal))
            {
                throw new InvalidOperationException("hub refused the WebSocket: " + header.ToString().Split('\r')[0]);
            }
            socket.Send(MaskedTextFrame("{\"protocol\":\"json\",\"version\":1}\u001e"u8));
            socket.Blocking = false;
            return client;
        }

        /// <summary>Appends bytes, returns the startedAt of every nowPlaying in the frames completed.</summary>
        public List<string> Feed(ReadOnlySpan<byte> data)
        {
            if (_length + data.Length > _pending.Length)
            {
                Array.Resize(ref _pending, Math.Max(_pending.Length * 2, _length + data.Length));
            }
            data.CopyTo(_pending.AsSpan(_length));
            _length += data.Length;
            var found = new List<string>(1);
            var offset = 0;
            while (TryFrame(_pending.AsSpan(offset, _length - offset), out var payloadStart, out var payloadLength))
            {
                var payload = _pending.AsSpan(offset + payloadStart, payloadLength);
                foreach (var record in payload.Split(RecordSeparator))
                {
                    var message = payload[record];
                    if (message.IndexOf(s_target) < 0)
                    {
                        continue;
                    }
                    var at = message.IndexOf(s_startedAt) + s_startedAt.Length;
                    var end = message[at..].IndexOf((byte)'"');
                    found.Add(Encoding.ASCII.GetString(message.Slice(at, end)));
                }
                offset += payloadStart + payloadLength;
            }
            _pending.AsSpan(offset, _length - offset).CopyTo(_pending);
            _length -= offset;
            return found;
        }

        private static bool TryFrame(ReadOnlySpan<byte> data, out int payloadStart, out int payloadLength)
        {
            payloadStart = 0;
            payloadLength = 0;
            if (data.Length < 2)
            {
                return false;
            }
            long length = data[1] & 0x7f;
            var start = 2;
            if (length == 126)
            {
                if (data.Length < 4)
                {
                    return false;
                }
                length = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
                start = 4;
            }
            else if (length == 127)
            {
                if (data.Length < 10)
                {
                    return false;
                }
                length = (long)BinaryPrimitives.ReadUInt64BigEndian(data[2..]);
                start = 10;
            }
            if (data.Length < start + length)
            {
                return false;
            }
            payloadStart = start;
            payloadLength = (int)length;
            return true;
        }

        public void Dispose() => _socket.Dispose();
    }

    private static partial class Native
    {
        public const uint EPOLLIN = 1;
        public const int EPOLL_CTL_ADD = 1;
        public const int MSG_DONTWAIT = 0x40;
        public const int MSG_NOSIGNAL = 0x4000;

        [StructLayout(LayoutKind.Sequential, Pack = 4)]
        public struct EpollEvent
        {
            public uint Events;
            public ulong Data;
        }

        [LibraryImport("libc", SetLastError = true)]
        public static partial int epoll_create1(int flags);

        [LibraryImport("libc", SetLastError = true)]
        public static partial int epoll_ctl(int epfd, int op, int fd, ref EpollEvent ev);

        [LibraryImport("libc", SetLastError = true)]
        public static partial int epoll_wait(int epfd, [Out] EpollEvent[] events, int maxEvents, int timeout);

        [LibraryImport("libc", SetLastError = true)]
        public static partial nint recv(int fd, [Out] byte[] buffer, nint length, int flags);

        [LibraryImport("libc", SetLastError = true)]
        public static partial nint send(int fd, byte[] buffer, nint length, int flags);

        [LibraryImport("libc")]
        public static partial int close(int fd);
    }
}
