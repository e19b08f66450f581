using System.Collections.Concurrent;
using System.Net;

namespace RadioServer.Streaming.Listeners;

/// <summary>
/// Every connected listener, whichever way it is served, and the counters operators read (joins, leaves by
/// reason, bytes sent, peak). A relay (an Icecast pulling the mount for its own listeners, <see cref="RelayAgents"/>)
/// is a session like any other but counted in <see cref="Relays"/>, not in <see cref="Count"/>: its listeners are
/// the relay's to count. Joining and leaving happen on the listeners' own threads; nothing here waits.
/// </summary>
internal sealed partial class ListenerRegistry(TimeProvider time, ILogger<ListenerRegistry> logger)
{
    private readonly ConcurrentDictionary<long, ListenerSession> _sessions = new();
    private readonly ConcurrentDictionary<string, ListenerSession> _tagged = new(StringComparer.Ordinal);
    private readonly long[] _leaves = new long[Enum.GetValues<LeaveReason>().Length];
    private long _nextId;
    private int _peak;
    private long _totalSessions;
    private long _bytesSentByLeft;
    private int _count;
    private int _relays;

    /// <summary>Raised after a listener joins (on its request thread).</summary>
    public event Action<ListenerSession>? Joined;

    /// <summary>Raised after a listener left, its <see cref="ListenerSession.LeaveReason"/> set.</summary>
    public event Action<ListenerSession>? Left;

    // Kept apart from the dictionary: ConcurrentDictionary.Count takes every lock, once per join.
    /// <summary>Listeners connected now, relays not included.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Relays connected now (servers that pass the stream on to listeners of their own).</summary>
    public int Relays => Volatile.Read(ref _relays);

    public int Peak => Volatile.Read(ref _peak);

    public long TotalSessions => Interlocked.Read(ref _totalSessions);

    public IEnumerable<ListenerSession> Sessions => _sessions.Values;

    public long Leaves(LeaveReason reason) => Interlocked.Read(ref _leaves[(int)reason]);

    /// <summary>Bytes sent to all listeners since start, those connected now included.</summary>
    public long BytesSent
    {
        get
        {
            var total = Interlocked.Read(ref _bytesSentByLeft);
            foreach (var session in _sessions.Values)
            {
                total += session.BytesSent;
            }
            return total;
        }
    }

    /// <summary>A listener joins; <paramref name="abort"/> breaks its connection when it is dropped from outside.</summary>
    public ListenerSession Join(IPAddress? address, string userAgent, int metaInt, Action? abort, string? tag = null)
    {
        var session = new ListenerSession(Interlocked.Increment(ref _nextId), address, userAgent, metaInt, time.GetUtcNow(), abort) { Tag = ValidTag(tag) };
        _sessions[session.Id] = session;
        if (session.Tag is { } key)
        {
            _tagged[key] = session; // a repeated tag: the newest request is the one its page plays
        }
        Interlocked.Increment(ref _totalSessions);
        int count;
        if (session.IsRelay)
        {
            Interlocked.Increment(ref _relays);
            count = Count;
        }
        else
        {
            count = Interlocked.Increment(ref _count);
            int peak;
            while (count > (peak = Volatile.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, count, peak) != peak)
            {
            }
        }
        Log.Joined(logger, session.Id, session.Address, count);
        Joined?.Invoke(session);
        return session;
    }

    public void Leave(ListenerSession session)
    {
        if (!_sessions.TryRemove(session.Id, out _))
        {
            return;
        }
        if (session.Tag is { } tag)
        {
            _tagged.TryRemove(new KeyValuePair<string, ListenerSession>(tag, session));
        }
        int count;
        if (session.IsRelay)
        {
            Interlocked.Decrement(ref _relays);
            count = Count;
        }
        else
        {
            count = Interlocked.Decrement(ref _count);
        }
        session.TrySetLeaveReason(LeaveReason.ClientClosed);
        var reason = session.LeaveReason!.Value;
        Interlocked.Increment(ref _leaves[(int)reason]);
        Interlocked.Add(ref _bytesSentByLeft, session.BytesSent);
        Log.Left(logger, session.Id, reason, session.BytesSent, count);
        Left?.Invoke(session);
    }

    /// <summary>The listener connected now whose request carried <paramref name="tag"/>, if any.</summary>
    public ListenerSession? Tagged(string tag) => _tagged.TryGetValue(tag, out var session) ? session : null;

    /// <summary>A tag a player may choose: 8-64 letters, digits, '-' or '_' (the page's is a random number); anything else none.</summary>
    internal static string? ValidTag(string? tag) =>
        tag is { Length: >= 8 and <= 64 } && tag.AsSpan().IndexOfAnyExcept("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_") < 0 ? tag : null;

    /// <summary>Ends a session from outside its sender (an operator kicks it).</summary>
    public bool Drop(long id, LeaveReason reason)
    {
        if (!_sessions.TryGetValue(id, out var session) || !session.TrySetLeaveReason(reason))
        {
            return false;
        }
        session.Abort(reason);
        return true;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Listener {ListenerId} joined from {Address}; {Count} listening.", EventName = "ListenerJoined")]
        public static partial void Joined(ILogger logger, long listenerId, IPAddress? address, int count);

        [LoggerMessage(2, LogLevel.Debug, "Listener {ListenerId} left ({Reason}) after {Bytes} bytes; {Count} listening.", EventName = "ListenerLeft")]
        public static partial void Left(ILogger logger, long listenerId, LeaveReason reason, long bytes, int count);
    }
}
