using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using RadioServer.Station;

namespace RadioServer.Streaming;

/// <summary>
/// Every connected listener, the counters operators read, and the slow-listener rule: once a second one
/// sweep compares each cursor with the live edge and disconnects any listener more than the queue limit
/// behind (Icecast's queue-size rule). The air chain never waits on any of this; one timer serves all
/// listeners.
/// </summary>
internal sealed partial class ListenerRegistry : IHostedService, IDisposable
{
    private static readonly TimeSpan s_sweepInterval = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<long, ListenerSession> _sessions = new();
    private readonly BroadcastBuffer _buffer;
    private readonly TimeProvider _time;
    private readonly ILogger<ListenerRegistry> _logger;
    private readonly int _queueLimit;
    private readonly long[] _leaves = new long[Enum.GetValues<LeaveReason>().Length];
    private long _nextId;
    private int _peak;
    private long _totalSessions;
    private long _bytesSentByLeft;
    private int _count;
    private ITimer? _timer;

    public ListenerRegistry(BroadcastBuffer buffer, IOptions<RadioOptions> options, TimeProvider time, ILogger<ListenerRegistry> logger)
    {
        _buffer = buffer;
        _time = time;
        _logger = logger;
        _queueLimit = options.Value.QueueLimitBytes;
    }

    /// <summary>Raised after a listener joins (on its request thread).</summary>
    public event Action<ListenerSession>? Joined;

    /// <summary>Raised after a listener left, its <see cref="ListenerSession.LeaveReason"/> set.</summary>
    public event Action<ListenerSession>? Left;

    // Kept apart from the dictionary: ConcurrentDictionary.Count takes every lock, once per join.
    public int Count => Volatile.Read(ref _count);

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

    public ListenerSession? Find(long id) => _sessions.GetValueOrDefault(id);

    public ListenerSession Join(HttpContext context, int metaInt) =>
        Join(context.Connection.RemoteIpAddress, context.Request.Headers.UserAgent.ToString(), metaInt, context.Abort);

    /// <summary>A listener joins; <paramref name="abort"/> breaks its connection when it is dropped from outside.</summary>
    public ListenerSession Join(System.Net.IPAddress? address, string userAgent, int metaInt, Action? abort)
    {
        var session = new ListenerSession(Interlocked.Increment(ref _nextId), address, userAgent, metaInt, _time.GetUtcNow(), abort);
        _sessions[session.Id] = session;
        Interlocked.Increment(ref _totalSessions);
        var count = Interlocked.Increment(ref _count);
        int peak;
        while (count > (peak = Volatile.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, count, peak) != peak)
        {
        }
        Log.Joined(_logger, session.Id, session.Address, count);
        Joined?.Invoke(session);
        return session;
    }

    public void Leave(ListenerSession session)
    {
        if (!_sessions.TryRemove(session.Id, out _))
        {
            return;
        }
        var count = Interlocked.Decrement(ref _count);
        session.TrySetLeaveReason(LeaveReason.ClientClosed);
        var reason = session.LeaveReason!.Value;
        Interlocked.Increment(ref _leaves[(int)reason]);
        Interlocked.Add(ref _bytesSentByLeft, session.BytesSent);
        Log.Left(_logger, session.Id, reason, session.BytesSent, count);
        Left?.Invoke(session);
    }

    /// <summary>Ends a session from outside its request loop (too slow, kicked by an operator).</summary>
    public bool Drop(long id, LeaveReason reason)
    {
        if (!_sessions.TryGetValue(id, out var session) || !session.TrySetLeaveReason(reason))
        {
            return false;
        }
        session.Abort(reason);
        return true;
    }

    /// <summary>Disconnects every listener more than the queue limit behind the live edge.</summary>
    internal int Sweep()
    {
        var edge = _buffer.EndPosition;
        var dropped = 0;
        foreach (var session in _sessions.Values)
        {
            var position = session.Position;
            if (position >= 0 && edge - position > _queueLimit && session.TrySetLeaveReason(LeaveReason.TooSlow))
            {
                session.BehindWhenDropped = edge - position;
                Log.TooSlow(_logger, session.Id, edge - position, _queueLimit);
                session.Abort(LeaveReason.TooSlow);
                dropped++;
            }
        }
        return dropped;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _timer = _time.CreateTimer(_ => Sweep(), null, s_sweepInterval, s_sweepInterval);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        return Task.CompletedTask;
    }

    public void Dispose() => _timer?.Dispose();

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Listener {ListenerId} joined from {Address}; {Count} listening.", EventName = "ListenerJoined")]
        public static partial void Joined(ILogger logger, long listenerId, System.Net.IPAddress? address, int count);

        [LoggerMessage(2, LogLevel.Debug, "Listener {ListenerId} left ({Reason}) after {Bytes} bytes; {Count} listening.", EventName = "ListenerLeft")]
        public static partial void Left(ILogger logger, long listenerId, LeaveReason reason, long bytes, int count);

        [LoggerMessage(3, LogLevel.Warning, "Listener {ListenerId} dropped: {Behind} bytes behind the live edge, over the queue limit of {QueueLimit}.", EventName = "ListenerTooSlow")]
        public static partial void TooSlow(ILogger logger, long listenerId, long behind, int queueLimit);
    }
}
