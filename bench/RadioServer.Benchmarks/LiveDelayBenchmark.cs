using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using RadioServer.Audio;
using RadioServer.Live;

namespace RadioServer.Benchmarks;

/// <summary>
/// Source-to-listener delay through a running station, on the real clock: a source client sends MP3 at real time
/// (PUT /live, the master's credentials), silence with a 100 ms 1 kHz burst every 1.5 s; a listener reads /stream.
/// For each burst: from the moment the source's socket write that carried the burst's first frame returned, to the
/// moment the listener's read completed the frame in which the decoded burst begins (both decoded with the server's
/// own stream decoder, so both sides pay the same MP3 decoder). What the server adds: its jitter buffer, the encoder's
/// look-ahead and the four-frame chunks it publishes.
/// </summary>
internal static class LiveDelayBenchmark
{
    private const int Rate = 44100;
    private const int FrameSamples = 1152;
    private const int BurstEveryFrames = 57; // ~1.49 s
    private const int BurstFrames = 4; // ~104 ms

    public static void Run(string url, string password, int seconds)
    {
        var uri = new Uri(url);
        var endpoint = new IPEndPoint(IPAddress.Parse(uri.Host), uri.Port);
        Console.WriteLine($"## Live: source-to-listener delay, {seconds} s of bursts through {url}/live -> {url}/stream");

        // The source's audio, encoded once up front; where each burst begins in MP3 frames, found by decoding it.
        var frames = Encode(seconds);
        var sourceOnsets = Onsets(frames.SelectMany(f => f).ToArray(), out _);

        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        listener.Connect(endpoint);
        listener.Send(Encoding.ASCII.GetBytes($"GET /stream HTTP/1.0\r\nHost: {uri.Authority}\r\n\r\n"));
        var heard = new Heard((seconds + 30) * Rate);
        var listening = new Thread(() => Listen(listener, heard)) { IsBackground = true, Name = "listener" };
        listening.Start();

        using var source = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        source.Connect(endpoint);
        var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"source:{password}"));
        source.Send(Encoding.ASCII.GetBytes($"PUT /live HTTP/1.1\r\nHost: {uri.Authority}\r\nAuthorization: Basic {basic}\r\nContent-Type: audio/mpeg\r\nice-name: Delay probe\r\n\r\n"));
        var answer = new byte[512];
        var n = source.Receive(answer);
        if (!Encoding.ASCII.GetString(answer, 0, n).Contains("200 OK", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("the source was refused: " + Encoding.ASCII.GetString(answer, 0, n));
        }
        var sent = new long[frames.Count];
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < frames.Count; i++)
        {
            var due = start + (long)((double)i * FrameSamples / Rate * Stopwatch.Frequency);
            while (Stopwatch.GetTimestamp() < due)
            {
                Thread.Sleep(1);
            }
            source.Send(frames[i]);
            sent[i] = Stopwatch.GetTimestamp();
        }
        Thread.Sleep(2000);
        source.Close();
        listener.Close();
        listening.Join(2000);

        // Pair the bursts in order: the listener's onsets after the live audio took over (the first burst after 3 s).
        List<long> listenerOnsets = [.. heard.OnsetTicks()];
        if (Environment.GetEnvironmentVariable("LIVE_DELAY_DEBUG") is not null)
        {
            Console.WriteLine($"  source onsets (frames): {string.Join(" ", sourceOnsets)}");
            Console.WriteLine($"  listener onsets (samples): {string.Join(" ", Detect(heard.Mono[..heard.Count]))}");
            Console.WriteLine($"  listener onsets (ms from the first): {string.Join(" ", listenerOnsets.Select(t => ((t - listenerOnsets[0]) * 1000 / Stopwatch.Frequency).ToString(System.Globalization.CultureInfo.InvariantCulture)))}");
        }
        var delays = new List<double>();
        var skip = sourceOnsets.Count(f => f * FrameSamples < 3 * Rate);
        var firstHeardLive = listenerOnsets.Count - (sourceOnsets.Count - skip);
        for (var k = 0; k < sourceOnsets.Count - skip && firstHeardLive + k < listenerOnsets.Count; k++)
        {
            if (firstHeardLive + k < 0)
            {
                continue;
            }
            var sentAt = sent[sourceOnsets[skip + k]];
            delays.Add((listenerOnsets[firstHeardLive + k] - sentAt) * 1000.0 / Stopwatch.Frequency);
        }
        Console.WriteLine($"  in order (ms): {string.Join(" ", delays.Select(d => d.ToString("F0", System.Globalization.CultureInfo.InvariantCulture)))}");
        delays.Sort();
        if (delays.Count == 0)
        {
            Console.WriteLine("  no burst was heard");
            return;
        }
        double P(double q) => delays[Math.Min(delays.Count - 1, (int)Math.Ceiling(q * delays.Count) - 1)];
        Console.WriteLine($"  bursts measured: {delays.Count} (of {sourceOnsets.Count - skip} sent after the first 3 s)");
        Console.WriteLine($"  delay ms: p50 {P(0.5):F0}, p90 {P(0.9):F0}, p99 {P(0.99):F0}, max {delays[^1]:F0}, min {delays[0]:F0}");
    }

    /// <summary>Silence with bursts, 44.1 kHz stereo, as MP3 frames (each element one whole frame).</summary>
    private static List<byte[]> Encode(int seconds)
    {
        var totalFrames = seconds * Rate / FrameSamples;
        var pcm = new float[totalFrames * FrameSamples * 2];
        for (var f = 0; f < totalFrames; f++)
        {
            if (f % BurstEveryFrames >= BurstFrames)
            {
                continue;
            }
            for (var i = 0; i < FrameSamples; i++)
            {
                var t = (f * FrameSamples) + i;
                var v = 0.5f * (float)Math.Sin(2 * Math.PI * 1000 * t / Rate);
                pcm[2 * t] = v;
                pcm[(2 * t) + 1] = v;
            }
        }
        using var encoder = new LameMp3Encoder(128, 5);
        var output = new byte[encoder.MaxOutputBytes(totalFrames * FrameSamples) + 65536];
        var written = encoder.Encode(pcm, output);
        written += encoder.Flush(output.AsSpan(written));
        var frames = new List<byte[]>();
        for (var at = 0; at + Mp3FrameHeader.Size <= written;)
        {
            if (!Mp3FrameHeader.TryParse(output.AsSpan(at, written - at), out var header))
            {
                at++;
                continue;
            }
            frames.Add(output[at..Math.Min(written, at + header.FrameLength)]);
            at += header.FrameLength;
        }
        return frames;
    }

    /// <summary>The MP3 frame index in which each burst begins, decoding <paramref name="mp3"/> at once.</summary>
    private static List<int> Onsets(byte[] mp3, out long samples)
    {
        var decoder = new Mp3StreamDecoder();
        var decoded = new List<float>();
        decoder.Append(mp3, s => decoded.AddRange(s.ToArray()));
        samples = decoded.Count / 2;
        var mono = new float[decoded.Count / 2];
        for (var i = 0; i < mono.Length; i++)
        {
            mono[i] = decoded[2 * i];
        }
        return [.. Detect(mono).Select(s => (int)(s / FrameSamples))];
    }

    /// <summary>The listener's side: the stream's bytes decoded as they arrive; each read's time and the samples decoded by then.</summary>
    private static void Listen(Socket socket, Heard heard)
    {
        var buffer = new byte[16384];
        var decoder = new Mp3StreamDecoder();
        var head = true;
        var received = new List<byte>();
        try
        {
            while (true)
            {
                var n = socket.Receive(buffer);
                if (n <= 0)
                {
                    return;
                }
                var now = Stopwatch.GetTimestamp();
                var data = buffer.AsSpan(0, n);
                if (head)
                {
                    received.AddRange(data.ToArray());
                    var text = Encoding.ASCII.GetString([.. received]);
                    var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                    if (end < 0)
                    {
                        continue;
                    }
                    head = false;
                    data = received.ToArray().AsSpan(end + 4);
                }
                decoder.Append(data, s =>
                {
                    for (var i = 0; i < s.Length && heard.Count < heard.Mono.Length; i += 2)
                    {
                        heard.Mono[heard.Count++] = s[i];
                    }
                });
                heard.Reads.Add((heard.Count, now));
            }
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>What the listener decoded, and when each read completed (samples decoded by then).</summary>
    private sealed class Heard(int capacity)
    {
        public float[] Mono { get; } = new float[capacity];

        public int Count { get; set; }

        public List<(long Samples, long Ticks)> Reads { get; } = [];

        public IEnumerable<long> OnsetTicks()
        {
            var reads = 0;
            foreach (var s in Detect(Mono[..Count]))
            {
                while (reads < Reads.Count && Reads[reads].Samples <= s)
                {
                    reads++;
                }
                if (reads < Reads.Count)
                {
                    yield return Reads[reads].Ticks;
                }
            }
        }
    }

    /// <summary>Sample indexes where a 1 kHz burst begins after at least half a second without one.</summary>
    private static IEnumerable<long> Detect(float[] mono)
    {
        const int Window = 256;
        long lastLoud = -Rate;
        for (var start = 0; start + Window <= mono.Length; start += Window / 4)
        {
            if (Goertzel(mono.AsSpan(start, Window), 1000) > 0.1)
            {
                if (start - lastLoud > Rate / 2)
                {
                    yield return start;
                }
                lastLoud = start;
            }
        }
    }

    private static double Goertzel(ReadOnlySpan<float> window, double frequency)
    {
        var coefficient = 2 * Math.Cos(2 * Math.PI * frequency / Rate);
        double s1 = 0, s2 = 0;
        foreach (var x in window)
        {
            var s0 = x + (coefficient * s1) - s2;
            s2 = s1;
            s1 = s0;
        }
        return 2 * Math.Sqrt(Math.Max(0, (s1 * s1) + (s2 * s2) - (coefficient * s1 * s2))) / window.Length;
    }
}
