using Microsoft.Extensions.Options;

namespace RadioServer.Hls;

/// <summary>
/// HLS listeners: unique clients (address and User-Agent) that fetched the playlist within the last two segment
/// lengths. A playing client reloads the live playlist about once a target duration (RFC 8216 §6.3.4), so every
/// one of them is seen in that time, and one that stopped is gone from the count two segments later. Behind a CDN
/// the origin sees the CDN, not the listeners: count those from the CDN's logs (docs/scaling.md). Thread-safe.
/// </summary>
internal sealed class HlsListeners(IOptions<HlsOptions> options, TimeProvider time)
{
    // Memory stays bounded whatever a client sends as User-Agent: past this many, a new client is not tracked.
    internal const int MaxTracked = 100_000;

    private readonly Dictionary<string, long> _lastSeen = new(StringComparer.Ordinal);
    private readonly TimeSpan _window = TimeSpan.FromSeconds(2 * options.Value.SegmentDuration);
    private readonly Lock _lock = new();
    private long _nextPrune;
    private int _peak;
    private long _untracked;

    public TimeSpan Window => _window;

    public int Peak
    {
        get
        {
            _ = Count;
            return Volatile.Read(ref _peak);
        }
    }

    /// <summary>Clients that would have been counted but for <see cref="MaxTracked"/>.</summary>
    public long Untracked => Interlocked.Read(ref _untracked);

    /// <summary>Clients seen within the window now.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                Prune(time.GetUtcNow().UtcTicks, force: true);
                return _lastSeen.Count;
            }
        }
    }

    /// <summary>A client fetched the playlist.</summary>
    public void Seen(string? address, string? userAgent)
    {
        var key = string.Concat(address ?? "", "\n", userAgent ?? "");
        var now = time.GetUtcNow().UtcTicks;
        lock (_lock)
        {
            Prune(now, force: false);
            if (_lastSeen.Count >= MaxTracked && !_lastSeen.ContainsKey(key))
            {
                _untracked++;
                return;
            }
            _lastSeen[key] = now;
            if (_lastSeen.Count > _peak)
            {
                _peak = _lastSeen.Count;
            }
        }
    }

    /// <summary>Forgets clients older than the window; at most once a second unless forced (a count must be exact).</summary>
    private void Prune(long now, bool force)
    {
        if (!force && now < _nextPrune)
        {
            return;
        }
        _nextPrune = now + TimeSpan.TicksPerSecond;
        var oldest = now - _window.Ticks;
        foreach (var (key, seen) in _lastSeen)
        {
            if (seen < oldest)
            {
                _lastSeen.Remove(key); // removing while enumerating is allowed for Dictionary since .NET Core 3.0
            }
        }
    }
}
