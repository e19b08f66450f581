using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace RadioServer.Benchmarks;

/// <summary>
/// The delay an edge adds to the audio: one player on the origin's mount and one on the edge's, read at once for
/// <c>seconds</c> on two threads, each receive timestamped on one Stopwatch. An edge relays the origin's frames byte
/// for byte, so a stretch of the edge's stream is found in the origin's; from then on each byte the edge's player
/// receives is compared with the moment the origin's player received the same byte. Only bytes after both players'
/// bursts count (the live edge, where a byte's arrival is its publication plus the path's delay).
/// </summary>
internal static class EdgeDelayBenchmark
{
    public static void Run(string originUrl, string edgeUrl, int seconds)
    {
        Console.WriteLine($"## Edge delay: {edgeUrl} against {originUrl}, {seconds} s");
        var origin = new Player(new Uri(originUrl));
        var edge = new Player(new Uri(edgeUrl));
        var clock = Stopwatch.StartNew();
        var threads = new[] { origin, edge }.Select(p => new Thread(() => p.Read(clock, TimeSpan.FromSeconds(seconds))) { IsBackground = true }).ToArray();
        foreach (var thread in threads)
        {
            thread.Start();
        }
        foreach (var thread in threads)
        {
            thread.Join();
        }
        // Where the edge's bytes are in the origin's: a 4 KiB stretch from a third of the way in.
        var probeAt = edge.Length / 3;
        var probe = edge.Data.AsSpan(probeAt, 4096);
        var found = origin.Data.AsSpan(0, origin.Length).IndexOf(probe);
        if (found < 0)
        {
            Console.WriteLine($"  the edge's stream ({edge.Length} bytes) is not found in the origin's ({origin.Length} bytes)");
            return;
        }
        var shift = found - probeAt; // origin index = edge index + shift
        // Past both bursts: from 3 s after connecting.
        var warm = TimeSpan.FromSeconds(3);
        var delays = new List<double>();
        foreach (var (at, end) in edge.Receives)
        {
            var originIndex = end + shift;
            if (at < warm || originIndex > origin.Length || originIndex <= 0)
            {
                continue;
            }
            var originAt = origin.TimeOf(originIndex);
            if (originAt < warm)
            {
                continue;
            }
            delays.Add((at - originAt).TotalMilliseconds);
        }
        if (delays.Count == 0)
        {
            Console.WriteLine("  no receive past the bursts to compare");
            return;
        }
        delays.Sort();
        double P(double q) => delays[Math.Min(delays.Count - 1, (int)(q * delays.Count))];
        Console.WriteLine($"  streams:    origin {origin.Length} bytes in {origin.Receives.Count} receives, edge {edge.Length} bytes in {edge.Receives.Count}; the edge's byte 0 is the origin's {shift}");
        Console.WriteLine($"  added:      p50 {P(0.5):F1} ms, p90 {P(0.9):F1} ms, p99 {P(0.99):F1} ms, max {P(1):F1} ms, min {P(0):F1} ms over {delays.Count} receives");
    }

    private sealed class Player(Uri uri)
    {
        public byte[] Data { get; private set; } = new byte[4 << 20];

        public int Length { get; private set; }

        public List<(TimeSpan At, int End)> Receives { get; } = [];

        public void Read(Stopwatch clock, TimeSpan duration)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            socket.Connect(uri.Host, uri.Port);
            socket.Send(Encoding.ASCII.GetBytes($"GET {uri.PathAndQuery} HTTP/1.0\r\nHost: {uri.Authority}\r\nUser-Agent: edge-delay/1\r\n\r\n"));
            var buffer = new byte[64 * 1024];
            var head = new List<byte>();
            var inBody = false;
            socket.ReceiveTimeout = 5000;
            while (clock.Elapsed < duration)
            {
                var read = socket.Receive(buffer);
                var at = clock.Elapsed;
                if (read <= 0)
                {
                    break;
                }
                var body = buffer.AsSpan(0, read);
                if (!inBody)
                {
                    head.AddRange(body.ToArray());
                    var end = IndexOfHeadEnd(head);
                    if (end < 0)
                    {
                        continue;
                    }
                    inBody = true;
                    body = head.ToArray().AsSpan(end);
                }
                if (Length + body.Length > Data.Length)
                {
                    var grown = new byte[Data.Length * 2];
                    Data.AsSpan(0, Length).CopyTo(grown);
                    Data = grown;
                }
                body.CopyTo(Data.AsSpan(Length));
                Length += body.Length;
                Receives.Add((at, Length));
            }
        }

        /// <summary>When this player had received the stream up to <paramref name="index"/> (exclusive).</summary>
        public TimeSpan TimeOf(int index)
        {
            int lo = 0, hi = Receives.Count - 1;
            while (lo < hi)
            {
                var mid = (lo + hi) / 2;
                if (Receives[mid].End >= index)
                {
                    hi = mid;
                }
                else
                {
                    lo = mid + 1;
                }
            }
            return Receives[lo].At;
        }

        private static int IndexOfHeadEnd(List<byte> head)
        {
            for (var i = 3; i < head.Count; i++)
            {
                if (head[i] == '\n' && head[i - 1] == '\r' && head[i - 2] == '\n' && head[i - 3] == '\r')
                {
                    return i + 1;
                }
            }
            return -1;
        }
    }
}
