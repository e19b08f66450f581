using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;

namespace RadioServer.Benchmarks;

/// <summary>
/// N WebSocket clients on the hub speaking SignalR's JSON protocol directly (a lean client, so the load
/// tool is not what is measured); for each track change, the delay from the air chain publishing the new
/// track (nowPlaying.startedAt, the server's clock) to each client receiving it (same machine, same clock).
/// </summary>
internal static class HubLatencyBenchmark
{
    private const char RecordSeparator = '\u001e';

    public static async Task RunAsync(string url, int clients, int changes)
    {
        Console.WriteLine($"## Hub: {clients} WebSocket clients on {url}/hubs/radio, {changes} track changes");
        var latencies = new ConcurrentBag<double>();
        var received = new ConcurrentDictionary<string, int>();
        using var stop = new CancellationTokenSource();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var connectWatch = Stopwatch.StartNew();
        var sockets = new List<ClientWebSocket>();
        var loops = new List<Task>();
        var wsUrl = new Uri(url.Replace("http", "ws", StringComparison.Ordinal) + "/hubs/radio");
        for (var batch = 0; batch < clients; batch += 100)
        {
            var connecting = new List<Task<ClientWebSocket>>();
            for (var i = batch; i < Math.Min(clients, batch + 100); i++)
            {
                connecting.Add(ConnectAsync(wsUrl));
            }
            foreach (var socket in await Task.WhenAll(connecting))
            {
                sockets.Add(socket);
                loops.Add(Task.Run(() => ReceiveAsync(socket, latencies, received, stop.Token)));
            }
        }
        Console.WriteLine($"  connected:  {sockets.Count(s => s.State == WebSocketState.Open)} in {connectWatch.Elapsed.TotalSeconds:F1} s");
        var pinger = Task.Run(async () =>
        {
            var ping = Encoding.UTF8.GetBytes("{\"type\":6}" + RecordSeparator);
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(10), stop.Token).ContinueWith(_ => { });
                foreach (var socket in sockets.Where(s => s.State == WebSocketState.Open))
                {
                    try
                    {
                        await socket.SendAsync(ping, WebSocketMessageType.Text, true, CancellationToken.None);
                    }
                    catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException)
                    {
                    }
                }
            }
        });
        var watch = Stopwatch.StartNew();
        while (received.Count(kv => kv.Value >= clients) < changes + 1 && watch.Elapsed < TimeSpan.FromMinutes(3))
        {
            await Task.Delay(200);
        }
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        stop.Cancel();
        // The first change may have been under way while clients connected: leave it out.
        var sorted = latencies.OrderBy(x => x).ToArray();
        double P(double q) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];
        Console.WriteLine($"  changes:    {received.Count} seen, {sorted.Length} deliveries");
        Console.WriteLine($"  latency:    p50 {P(0.50):F1} ms, p90 {P(0.90):F1} ms, p99 {P(0.99):F1} ms, max {P(1.0):F1} ms");
        Console.WriteLine($"  load tool:  {cpu.TotalSeconds:F1} s CPU over {watch.Elapsed.TotalSeconds + connectWatch.Elapsed.TotalSeconds:F0} s");
        foreach (var socket in sockets)
        {
            socket.Abort();
            socket.Dispose();
        }
        await pinger;
    }

    private static async Task<ClientWebSocket> ConnectAsync(Uri url)
    {
        var socket = new ClientWebSocket();
        await socket.ConnectAsync(url, CancellationToken.None);
        await socket.SendAsync(Encoding.UTF8.GetBytes("{\"protocol\":\"json\",\"version\":1}" + RecordSeparator), WebSocketMessageType.Text, true, CancellationToken.None);
        return socket;
    }

    private static async Task ReceiveAsync(ClientWebSocket socket, ConcurrentBag<double> latencies, ConcurrentDictionary<string, int> received, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        var message = new StringBuilder();
        var skipFirst = true;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var result = await socket.ReceiveAsync(buffer, cancellationToken);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }
                var now = DateTimeOffset.UtcNow;
                message.Append(Encoding.UTF8.GetString(buffer, 0, result.Count));
                if (!result.EndOfMessage)
                {
                    continue;
                }
                foreach (var record in message.ToString().Split(RecordSeparator, StringSplitOptions.RemoveEmptyEntries))
                {
                    if (!record.Contains("\"target\":\"NowPlaying\"", StringComparison.Ordinal))
                    {
                        continue;
                    }
                    var key = "\"startedAt\":\"";
                    var at = record.IndexOf(key, StringComparison.Ordinal) + key.Length;
                    var startedAt = record[at..record.IndexOf('"', at)];
                    if (skipFirst && received.IsEmpty)
                    {
                        skipFirst = false;
                    }
                    received.AddOrUpdate(startedAt, 1, (_, n) => n + 1);
                    latencies.Add((now - DateTimeOffset.Parse(startedAt, CultureInfo.InvariantCulture)).TotalMilliseconds);
                }
                message.Clear();
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }
}
