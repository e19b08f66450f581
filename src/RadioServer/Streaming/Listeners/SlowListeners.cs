using Microsoft.Extensions.Options;
using RadioServer.Station;

namespace RadioServer.Streaming.Listeners;

/// <summary>
/// The slow-listener rule, Icecast's queue-size: a listener more than <see cref="RadioOptions.QueueLimitBytes"/>
/// behind the live edge is dropped. One timer checks every listener once a second, whatever writes its bytes
/// (the Broadcaster's direct sends or Kestrel's response pipe): each sender only reports how far it got. A
/// listener whose place fell out of the ring is past the limit too (the ring holds more than limit + burst)
/// and is dropped here the same way. The air chain never waits on any of this.
/// </summary>
internal sealed partial class SlowListeners : IHostedService, IDisposable
{
    private static readonly TimeSpan s_sweepInterval = TimeSpan.FromSeconds(1);

    private readonly ListenerRegistry _registry;
    private readonly BroadcastBuffer _buffer;
    private readonly TimeProvider _time;
    private readonly ILogger<SlowListeners> _logger;
    private readonly int _queueLimit;
    private ITimer? _timer;

    public SlowListeners(ListenerRegistry registry, BroadcastBuffer buffer, IOptions<RadioOptions> options, TimeProvider time, ILogger<SlowListeners> logger)
    {
        _registry = registry;
        _buffer = buffer;
        _time = time;
        _logger = logger;
        _queueLimit = options.Value.QueueLimitBytes;
    }

    /// <summary>Drops every listener more than the queue limit behind the live edge; returns how many.</summary>
    internal int Sweep()
    {
        var edge = _buffer.EndPosition;
        var dropped = 0;
        foreach (var session in _registry.Sessions)
        {
            var position = session.Position;
            if (position >= 0 && edge - position > _queueLimit && Drop(session, edge - position))
            {
                dropped++;
            }
        }
        return dropped;
    }

    /// <summary>The listener's next chunk is no longer in the ring: it is further behind than the ring holds.</summary>
    public void OutOfRing(ListenerSession session, long edge) => Drop(session, session.Position < 0 ? edge : edge - session.Position);

    private bool Drop(ListenerSession session, long behind)
    {
        if (!session.TrySetLeaveReason(LeaveReason.TooSlow))
        {
            session.Stop(LeaveReason.TooSlow); // already leaving for another reason: just make sure it stops
            return false;
        }
        session.BehindWhenDropped = behind;
        Log.TooSlow(_logger, session.Id, behind, _queueLimit);
        session.Abort(LeaveReason.TooSlow);
        return true;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _timer = _time.CreateTimer(static s => ((SlowListeners)s!).Sweep(), this, s_sweepInterval, s_sweepInterval);
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
        [LoggerMessage(1, LogLevel.Warning, "Listener {ListenerId} dropped: {Behind} bytes behind the live edge, over the queue limit of {QueueLimit}.", EventName = "ListenerTooSlow")]
        public static partial void TooSlow(ILogger logger, long listenerId, long behind, int queueLimit);
    }
}
