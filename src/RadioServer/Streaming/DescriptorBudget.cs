using System.Runtime.InteropServices;

namespace RadioServer.Streaming;

/// <summary>
/// How many more connections the process can open without running out of file descriptors: its open-file limit,
/// minus what it holds besides connections (the runtime keeps two per loaded assembly, ~275 in all; SQLite, logs,
/// epoll), minus a spare for what it opens later. At the limit the runtime itself can fail (at 19,900 listeners under
/// a 20,000 limit, descriptor exhaustion ended the process with a native abort), so every connection the transport
/// accepts, listener or not, takes a place here first, and one that finds none is answered 503 and closed.
/// The limit and what is held besides connections (from /proc/self/fd: a few ms at 20,000 descriptors) are read
/// again at most once a second, at an accept.
/// </summary>
internal sealed partial class DescriptorBudget
{
    public const int Spare = 24;
    private readonly Func<long> _openFileLimit;
    private readonly Func<long> _countOpen;
    private readonly Func<long> _milliseconds;
    private long _limit;
    private long _connections;
    private long _others;
    private long _lastCount;

    public DescriptorBudget()
        : this(OpenFileLimit, CountOpen, static () => Environment.TickCount64)
    {
    }

    /// <summary>For tests: where the limit, the open descriptors and the time come from.</summary>
    internal DescriptorBudget(Func<long> openFileLimit, Func<long> countOpen, Func<long> milliseconds)
    {
        _openFileLimit = openFileLimit;
        _countOpen = countOpen;
        _milliseconds = milliseconds;
        _limit = openFileLimit();
        _others = countOpen();
        _lastCount = milliseconds();
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
        // At most once a second: the limit (it can be changed from outside) and what is open besides connections.
        if (_milliseconds() - Volatile.Read(ref _lastCount) >= 1000)
        {
            Recount(taken);
        }
        if (taken <= Capacity)
        {
            return true;
        }
        Interlocked.Decrement(ref _connections);
        return false;
    }

    public void Release() => Interlocked.Decrement(ref _connections);

    private void Recount(long connections)
    {
        Volatile.Write(ref _lastCount, _milliseconds());
        Volatile.Write(ref _limit, _openFileLimit());
        var open = _countOpen();
        if (open > 0)
        {
            Volatile.Write(ref _others, Math.Max(0, open - connections));
        }
    }

    private static long CountOpen()
    {
        try
        {
            return OperatingSystem.IsLinux() ? Directory.EnumerateFileSystemEntries("/proc/self/fd").LongCount() : 0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    private static long OpenFileLimit()
    {
        if (!OperatingSystem.IsLinux())
        {
            return long.MaxValue;
        }
        try
        {
            Span<ulong> limits = stackalloc ulong[2]; // struct rlimit { rlim_cur, rlim_max }
            return getrlimit(7 /* RLIMIT_NOFILE */, ref MemoryMarshal.GetReference(limits)) == 0 && limits[0] < long.MaxValue
                ? (long)limits[0] : long.MaxValue;
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            return long.MaxValue;
        }
    }

    [LibraryImport("libc")]
    private static partial int getrlimit(int resource, ref ulong limits);
}
