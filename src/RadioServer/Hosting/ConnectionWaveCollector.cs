using System.Diagnostics;
using Microsoft.Extensions.Options;
using RadioServer.Station;
using RadioServer.Streaming;
using RadioServer.Streaming.Listeners;

namespace RadioServer.Hosting;

/// <summary>
/// Collects at a quiet moment after a wave of connections, so the pause lands when nothing is being delivered.
/// Two thousand players connecting leave tens of MB of young objects for the next collection to copy: left to
/// itself the GC does that at its next allocation budget, which is usually the next track change's fan-out
/// (a 44-53 ms pause in the middle of it). Twenty thousand listeners leaving leave a heap the GC keeps
/// committed for a long time. The count (listeners + hub connections) is read once a second; no hot path is touched.
/// </summary>
internal sealed partial class ConnectionWaveCollector(
    ListenerRegistry listeners,
    IEnumerable<IHubConnections> hubs,
    IHeapCollector collector,
    IOptions<MemoryOptions> options,
    TimeProvider time,
    ILogger<ConnectionWaveCollector> logger) : IHostedService, IDisposable
{
    private readonly MemoryOptions _options = options.Value;
    private readonly IHubConnections[] _hubs = [.. hubs];
    private readonly Lock _gate = new();
    private ITimer? _timer;
    private int _last;
    private int _peak;
    private long _moved;
    private DateTimeOffset _quietSince;

    public long Settles { get; private set; }

    public long Returns { get; private set; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_options.WaveConnections > 0)
        {
            _last = _peak = Count();
            _quietSince = time.GetUtcNow();
            _timer = time.CreateTimer(_ => Tick(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _timer?.Dispose();
        return Task.CompletedTask;
    }

    public void Dispose() => _timer?.Dispose();

    private int Count() => listeners.Count + _hubs.Sum(h => h.Connections);

    internal void Tick()
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            var count = Count();
            var delta = Math.Abs(count - _last);
            _last = count;
            _moved += delta;
            _peak = Math.Max(_peak, count);
            if (delta > Math.Max(1, _options.WaveConnections / 20))
            {
                _quietSince = now;
                return;
            }
            if (_moved < _options.WaveConnections || now - _quietSince < TimeSpan.FromSeconds(_options.QuietSeconds))
            {
                return;
            }
            var returnMemory = _peak - count >= _options.WaveConnections / 2;
            var heapBefore = GC.GetTotalMemory(false);
            var pausedBefore = GC.GetTotalPauseDuration();
            var started = Stopwatch.GetTimestamp();
            if (returnMemory)
            {
                collector.ReturnMemory();
                Returns++;
            }
            else
            {
                collector.Settle();
                Settles++;
            }
            Log.Collected(logger, returnMemory ? "return memory" : "settle", _moved, count, heapBefore >> 20, GC.GetTotalMemory(false) >> 20,
                (GC.GetTotalPauseDuration() - pausedBefore).TotalMilliseconds, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            _moved = 0;
            _peak = count;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information,
            "Collected after a connection wave ({Kind}): {Moved} connections came or went, {Count} connected; heap {BeforeMiB} -> {AfterMiB} MiB, paused {PauseMs:F1} ms ({ElapsedMs:F1} ms).",
            EventName = "WaveCollected")]
        public static partial void Collected(ILogger logger, string kind, long moved, int count, long beforeMiB, long afterMiB, double pauseMs, double elapsedMs);
    }
}
