using System.ComponentModel.DataAnnotations;
using System.Diagnostics;
using System.Runtime;
using Microsoft.Extensions.Options;
using RadioServer.NowPlaying;
using RadioServer.Streaming;

namespace RadioServer.Operations;

/// <summary>When the garbage collector is asked to work after a wave of connections (<c>Radio:Memory</c>).</summary>
public sealed class MemoryOptions
{
    public const string Section = "Radio:Memory";

    /// <summary>
    /// Listeners and hub connections that must arrive or leave (together) before a quiet moment is used for a
    /// collection; 0 leaves the collector alone.
    /// </summary>
    [Range(0, 1_000_000)]
    public int WaveConnections { get; set; } = 1000;

    /// <summary>How long the connection count must hold still (within a twentieth of a wave) before collecting.</summary>
    [Range(1, 600)]
    public int QuietSeconds { get; set; } = 2;
}

[OptionsValidator]
internal sealed partial class MemoryOptionsValidator : IValidateOptions<MemoryOptions>;

/// <summary>The collections <see cref="ConnectionWaveCollector"/> asks for; replaced in tests.</summary>
internal interface IHeapCollector
{
    /// <summary>After arrivals: moves what the new connections hold to the oldest generation.</summary>
    void Settle();

    /// <summary>After departures: compacts the heap and gives its free memory back to the system.</summary>
    void ReturnMemory();
}

internal sealed partial class RuntimeHeapCollector : IHeapCollector
{
    private static bool s_noMallocTrim;

    // Two blocking gen1 collections: the first moves gen1 to gen2 and gen0 to gen1, the second the rest to gen2.
    // A gen2 collection would leave the newest objects in gen1, to be copied again in the middle of a fan-out.
    public void Settle()
    {
        GC.Collect(1, GCCollectionMode.Forced, blocking: true);
        GC.Collect(1, GCCollectionMode.Forced, blocking: true);
    }

    public void ReturnMemory()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        TrimNativeHeap();
    }

    // The runtime's own native allocations (sockets, threads' arenas) that thousands of connections grew stay
    // with glibc's malloc until it is asked to give free pages back.
    private static void TrimNativeHeap()
    {
        if (!OperatingSystem.IsLinux() || s_noMallocTrim)
        {
            return;
        }
        try
        {
            malloc_trim(0);
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            s_noMallocTrim = true; // not glibc
        }
    }

    [System.Runtime.InteropServices.LibraryImport("libc")]
    private static partial int malloc_trim(nuint pad);
}

/// <summary>
/// Collects at a quiet moment after a wave of connections, so the pause lands when nothing is being delivered.
/// Two thousand players connecting leave tens of MB of young objects for the next collection to copy: left to
/// itself the GC does that at its next allocation budget, which is usually the next track change's fan-out
/// (a 44-53 ms pause in the middle of it). Twenty thousand listeners leaving leave a heap the GC keeps
/// committed for a long time. The count (listeners + hub connections) is read once a second; no hot path is touched.
/// </summary>
internal sealed partial class ConnectionWaveCollector(
    ListenerRegistry listeners,
    HubPresence hub,
    OperatorsPresence operators,
    IHeapCollector collector,
    IOptions<MemoryOptions> options,
    TimeProvider time,
    ILogger<ConnectionWaveCollector> logger) : IHostedService, IDisposable
{
    private readonly MemoryOptions _options = options.Value;
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

    private int Count() => listeners.Count + hub.Connections + operators.Connections;

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
