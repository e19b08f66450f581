using RadioServer.Interop;

namespace RadioServer.Streaming.Connections;

/// <summary>
/// How many more connections the process can open without running out of file descriptors: its open-file limit,
/// minus what it holds besides connections (the runtime keeps two per loaded assembly, ~275 in all; SQLite, logs,
/// epoll), minus a spare for what it opens later. At the limit the runtime itself can fail (at 19,900 listeners under
/// a 20,000 limit, descriptor exhaustion ended the process with a native abort), so every connection the transport
/// accepts, listener or not, takes a place here first, and one that finds none is answered 503 and closed.
/// The limit and what is held besides connections (from /proc/self/fd) are read again once a second, off the accept loop.
/// </summary>
internal sealed partial class DescriptorBudget : IDisposable
{
    public const int Spare = 24;
    private readonly Func<long> _openFileLimit;
    private readonly Func<long> _countOpen;
    private readonly ITimer? _timer;
    private long _limit;
    private long _connections;
    private long _others;
    private long _refused;

    public DescriptorBudget(TimeProvider time)
        : this(Libc.OpenFileLimit, CountOpen)
    {
        // Counting 20,000 descriptors takes milliseconds: done off the accept loop, once a second.
        _timer = time.CreateTimer(static b => ((DescriptorBudget)b!).Recount(), this, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    /// <summary>For tests: where the limit and the open descriptors come from; <see cref="Recount"/> is called by the test.</summary>
    internal DescriptorBudget(Func<long> openFileLimit, Func<long> countOpen)
    {
        _openFileLimit = openFileLimit;
        _countOpen = countOpen;
        _limit = openFileLimit();
        _others = countOpen();
    }

    /// <summary>The process' open-file limit (soft), or <see cref="long.MaxValue"/> where it cannot be read.</summary>
    public long Limit => Volatile.Read(ref _limit);

    /// <summary>Connections holding a place.</summary>
    public long Connections => Interlocked.Read(ref _connections);

    /// <summary>The most connections that fit now.</summary>
    public long Capacity => Limit == long.MaxValue ? long.MaxValue : Limit - Volatile.Read(ref _others) - Spare;

    /// <summary>Takes a place for one connection; false when the process would come too close to its limit.</summary>
    public bool TryTake()
    {
        var taken = Interlocked.Increment(ref _connections);
        if (taken <= Capacity)
        {
            return true;
        }
        Interlocked.Decrement(ref _connections);
        return false;
    }

    public void Release() => Interlocked.Decrement(ref _connections);

    /// <summary>Connections refused (503) because the process was at its open-file limit, since the start.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    internal void CountRefused() => Interlocked.Increment(ref _refused);

    /// <summary>Reads the limit again (it can be changed from outside) and counts what is open besides connections.</summary>
    internal void Recount()
    {
        Volatile.Write(ref _limit, _openFileLimit());
        var open = _countOpen();
        var connections = Connections; // after the count: arrivals during it are in both
        if (open > 0)
        {
            Volatile.Write(ref _others, Math.Max(0, open - connections));
        }
    }

    public void Dispose() => _timer?.Dispose();

    /// <summary>Entries of /proc/self/fd, minus the descriptor the count itself holds; 0 where they cannot be read.</summary>
    private static long CountOpen() => Libc.CountEntries("/proc/self/fd") is var n and > 0 ? n - 1 : 0;
}
