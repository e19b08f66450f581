using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using RadioServer.Station;

namespace RadioServer.Streaming;

/// <summary>
/// Icecast's model in one dedicated thread: after each publish it walks the listeners and writes each one's
/// socket straight from the shared chunks (sendmsg, several pieces per call, never blocking): no task, timer,
/// buffer or copy per listener, and no thread hop per write. Each listener is served every
/// <see cref="Stride"/>th publish (about 0.84 s of audio, ~13 KB, per write at 128 kbps), an eighth of them per
/// publish, so the work is spread evenly and writes stay few and large. A listener whose socket stays
/// full until it is more than the queue limit behind the live edge is dropped, like Icecast's queue-size.
/// </summary>
internal sealed partial class Broadcaster : IHostedService, IDisposable
{
    public const int Stride = 8;
    private static readonly TimeSpan s_idleWake = TimeSpan.FromMilliseconds(250);

    private readonly BroadcastBuffer _buffer;
    private readonly ILogger<Broadcaster> _logger;
    private readonly long _queueLimit;
    private readonly ConcurrentQueue<ListenerSession> _joining = new();
    private readonly List<ListenerSession> _sessions = [];
    private readonly CancellationTokenSource _stopping = new();
    private Thread? _thread;
    private long _passes;

    public Broadcaster(BroadcastBuffer buffer, IOptions<RadioOptions> options, ILogger<Broadcaster> logger)
    {
        _buffer = buffer;
        _logger = logger;
        _queueLimit = options.Value.QueueLimitBytes;
        Head = StreamEndpoints.Head(options.Value, 0);
        HeadWithMetadata = StreamEndpoints.Head(options.Value, options.Value.MetaInt);
    }

    /// <summary>The raw response heads, built once: without and with <c>icy-metaint</c>.</summary>
    public byte[] Head { get; }

    public byte[] HeadWithMetadata { get; }

    /// <summary>Hands over a session whose head and burst were sent by its request; from now on only this thread writes it.</summary>
    public void Add(ListenerSession session) => _joining.Enqueue(session);

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
                _sessions.Add(joining);
            }
            foreach (var session in _sessions)
            {
                session.Stop(LeaveReason.ServerStopping);
                session.Detach();
            }
            _sessions.Clear();
        }
    }

    /// <summary>
    /// One walk over the listeners. After each publish, an eighth of them (by id): after k publishes at once (the
    /// thread was late), the next k eighths, so a late pass never turns into writing everyone (which would make
    /// the next pass later still: at 19,700 listeners that cliff cost the whole core). After none (an idle wake)
    /// or a whole round of them: everyone with audio due. Stopped sessions leave.
    /// </summary>
    internal void Pass(long published)
    {
        while (_joining.TryDequeue(out var joining))
        {
            _sessions.Add(joining);
        }
        var first = -1L;
        var slots = 0L;
        if (published is > 0 and < Stride)
        {
            first = _passes % Stride;
            slots = published;
            _passes += published;
        }
        var edge = _buffer.EndPosition;
        for (var i = _sessions.Count - 1; i >= 0; i--)
        {
            var session = _sessions[i];
            if (!session.Stopped && (first < 0 ? session.Position < edge : (session.Id - first + Stride) % Stride < slots))
            {
                var result = session.Pump(_buffer);
                if (session.GoesOn(result) && result == PumpResult.Blocked && session.Position >= 0 && edge - session.Position > _queueLimit)
                {
                    session.BehindWhenDropped = edge - session.Position;
                    Log.TooSlow(_logger, session.Id, edge - session.Position, _queueLimit);
                    session.Stop(LeaveReason.TooSlow);
                }
            }
            if (session.Stopped)
            {
                _sessions[i] = _sessions[^1];
                _sessions.RemoveAt(_sessions.Count - 1);
                session.Detach();
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Listener {ListenerId} dropped: {Behind} bytes behind the live edge, over the queue limit of {QueueLimit}.", EventName = "ListenerTooSlow")]
        public static partial void TooSlow(ILogger logger, long listenerId, long behind, long queueLimit);

        [LoggerMessage(2, LogLevel.Critical, "The broadcaster failed: listeners get no more audio.", EventName = "BroadcasterFailed")]
        public static partial void Failed(ILogger logger, Exception exception);
    }
}
