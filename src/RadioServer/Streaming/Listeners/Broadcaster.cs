using System.Collections.Concurrent;

namespace RadioServer.Streaming.Listeners;

/// <summary>
/// Icecast's model in one dedicated thread: after each publish it walks the listeners and writes each one's
/// socket straight from the shared chunks (sendmsg, several pieces per call, never blocking): no task, timer,
/// buffer or copy per listener, and no thread hop per write. While the listeners are few every one is written
/// after every publish (what reaches the chain, a live host's voice too, leaves within one publish); as they grow
/// each is served every <c>stride</c>th publish, a stride-th of them per publish, so one pass writes at most
/// about <see cref="WritesPerPass"/> sockets and the stride reaches <see cref="MaxStride"/> (about 0.84 s of
/// audio, ~13 KB per write at 128 kbps: few, large writes, the trade that holds 19,600 listeners on one core).
/// Only this thread writes a sender once it was added; a player that stops reading just stops moving, and
/// <see cref="SlowListeners"/> drops it.
/// </summary>
internal sealed partial class Broadcaster : IHostedService, IDisposable
{
    public const int MaxStride = 8;
    public const int WritesPerPass = 512;
    private static readonly TimeSpan s_idleWake = TimeSpan.FromMilliseconds(250);

    private readonly BroadcastBuffer _buffer;
    private readonly SlowListeners _slow;
    private readonly ILogger<Broadcaster> _logger;
    private readonly ConcurrentQueue<DirectSender> _joining = new();
    // Each sender beside its session: a pass reads every session's state but pumps only an eighth of the
    // senders, so the walk touches one object per listener, not two.
    private readonly List<(ListenerSession Session, DirectSender Sender)> _senders = [];
    private readonly CancellationTokenSource _stopping = new();
    private Thread? _thread;
    private long _passes;

    public Broadcaster(BroadcastBuffer buffer, SlowListeners slow, ILogger<Broadcaster> logger)
    {
        _buffer = buffer;
        _slow = slow;
        _logger = logger;
    }

    /// <summary>Takes a sender whose head and burst went out from its request (<see cref="DirectHandover"/>); from now on only this thread writes it.</summary>
    public void Add(DirectSender sender) => _joining.Enqueue(sender);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "Broadcaster" };
        _thread.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping.Cancel();
        _thread?.Join(TimeSpan.FromSeconds(5));
        return Task.CompletedTask;
    }

    public void Dispose() => _stopping.Dispose();

    private void Run()
    {
        var seen = _buffer.Head;
        try
        {
            while (!_stopping.IsCancellationRequested && !_buffer.IsCompleted)
            {
                // Wake at the next publish, or soon anyway to take in new listeners and let stopped ones go.
                _buffer.WaitForAsync(seen).Wait(s_idleWake, _stopping.Token);
                var head = _buffer.Head;
                var published = head - seen;
                seen = head;
                Pass(published);
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            Log.Failed(_logger, ex);
        }
        finally
        {
            while (_joining.TryDequeue(out var joining))
            {
                _senders.Add((joining.Session, joining));
            }
            foreach (var (session, sender) in _senders)
            {
                session.Stop(LeaveReason.ServerStopping);
                sender.Detach();
            }
            _senders.Clear();
        }
    }

    /// <summary>How many publishes apart each listener is written: 1 up to <see cref="WritesPerPass"/> listeners, then the
    /// fewest that keeps a pass to that many writes, at most <see cref="MaxStride"/>.</summary>
    internal static int StrideFor(int listeners) => Math.Clamp((listeners + WritesPerPass - 1) / WritesPerPass, 1, MaxStride);

    /// <summary>
    /// One walk over the listeners. After each publish, a stride-th of them (by id): after k publishes at once (the
    /// thread was late), the next k stride-ths, so a late pass never turns into writing everyone (which would make
    /// the next pass later still: at 19,700 listeners that cliff cost the whole core). After none (an idle wake),
    /// a whole round of them or at stride 1: everyone with audio due. Stopped sessions leave. When the stride
    /// changes a listener may wait one round more or be written twice in one: harmless, each write sends what is due.
    /// </summary>
    internal void Pass(long published)
    {
        while (_joining.TryDequeue(out var joining))
        {
            _senders.Add((joining.Session, joining));
        }
        var stride = StrideFor(_senders.Count);
        var first = -1L;
        var slots = 0L;
        if (published > 0 && published < stride)
        {
            first = _passes % stride;
            slots = published;
            _passes += published;
        }
        var edge = _buffer.EndPosition;
        for (var i = _senders.Count - 1; i >= 0; i--)
        {
            var (session, sender) = _senders[i];
            if (!session.Stopped && (first < 0 ? session.Position < edge : (session.Id - first + stride) % stride < slots))
            {
                sender.SendDue(_buffer, _slow);
            }
            if (session.Stopped)
            {
                _senders[i] = _senders[^1];
                _senders.RemoveAt(_senders.Count - 1);
                sender.Detach();
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Critical, "The broadcaster failed: listeners get no more audio.", EventName = "BroadcasterFailed")]
        public static partial void Failed(ILogger logger, Exception exception);
    }
}
