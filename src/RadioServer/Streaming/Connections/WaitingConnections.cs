using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Options;
using RadioServer.Interop;
using RadioServer.Station;

namespace RadioServer.Streaming.Connections;

/// <summary>
/// Connections the accept loop took before their request head had arrived whole: silent ones (TCP_DEFER_ACCEPT
/// gives up on them after a few seconds), and heads arriving in pieces or larger than the loop's first look. They
/// wait here, holding their place in the <see cref="DescriptorBudget"/> but nothing else (no Kestrel connection, no
/// task, no buffer), on one thread with one epoll set, until one of:
/// <list type="bullet">
/// <item>the head has ended (or filled <see cref="MaxHead"/>): it goes on to its <see cref="HeadArrived"/>, which
/// offers it to the direct handlers and else to Kestrel, as if it had arrived at once;</item>
/// <item><see cref="RadioOptions.RequestHeadTimeoutSeconds"/> has passed since the accept: closed (408 if part of a
/// head came);</item>
/// <item>the peer closed before its head ended: closed;</item>
/// <item>the budget is short and a connection with its request at hand needs the place: the one waiting longest
/// gives way (<see cref="TryEvictOldest"/>).</item>
/// </list>
/// One address may have <see cref="RadioOptions.MaxWaitingPerAddress"/> waiting at once; one more is refused (429).
/// A peer that shuts down its writing side after a whole head (a half-close) is still answered.
/// </summary>
internal sealed partial class WaitingConnections : IDisposable
{
    /// <summary>The most of a head that is looked at; one not ended by then goes to Kestrel, which answers 431.</summary>
    public const int MaxHead = 16 * 1024;

    private const int WakeMilliseconds = 200;

    private static readonly byte[] s_timedOut = ConnectionAnswer.Of("408 Request Timeout", null, "The request head did not arrive in time.");

    private static readonly byte[] s_tooMany = ConnectionAnswer.Of("429 Too Many Requests", 5, "Too many connections from this address are still sending their request.");

    /// <summary>The head has ended: the receiver owns the socket and its place in the budget from now on.</summary>
    public delegate void HeadArrived(Socket socket, ReadOnlySpan<byte> head);

    private readonly object _lock = new();
    private readonly Dictionary<ulong, Waiting> _waiting = [];
    private readonly Queue<Waiting> _byAge = new(); // accept order, which is deadline order: one timeout for all
    private readonly Dictionary<IPAddress, int> _perAddress = [];
    private readonly DescriptorBudget _budget;
    private readonly TimeProvider _time;
    private readonly ILogger<WaitingConnections> _logger;
    private readonly TimeSpan _timeout;
    private readonly int _perAddressLimit;
    private readonly Libc.SafeEpollHandle _epoll;
    private Thread? _thread;
    private volatile bool _stopping;
    private ulong _nextId;
    private long _timedOut;
    private long _refused;
    private long _evicted;
    private long? _lastRefusedLog;
    private long? _lastTimedOutLog;

    public WaitingConnections(DescriptorBudget budget, TimeProvider time, IOptions<RadioOptions> options, ILogger<WaitingConnections> logger)
    {
        _budget = budget;
        _time = time;
        _logger = logger;
        _timeout = TimeSpan.FromSeconds(options.Value.RequestHeadTimeoutSeconds);
        _perAddressLimit = options.Value.MaxWaitingPerAddress;
        _epoll = Libc.IsSupported ? Libc.EpollCreate() : new Libc.SafeEpollHandle();
    }

    /// <summary>Connections waiting now.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _waiting.Count;
            }
        }
    }

    /// <summary>Closed for not sending a whole head in time, since the start.</summary>
    public long TimedOut => Interlocked.Read(ref _timedOut);

    /// <summary>Refused (429) because their address had as many waiting as allowed, since the start.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Closed to make room for a connection with its request at hand, since the start.</summary>
    public long Evicted => Interlocked.Read(ref _evicted);

    /// <summary>
    /// Takes a connection (already holding a place in the budget) until its head has ended. False when it cannot
    /// wait here (its address has as many waiting as allowed, or no epoll): it has been answered and closed, and
    /// its place released.
    /// </summary>
    public bool TryAdd(Socket socket, IPAddress? address, HeadArrived arrived)
    {
        var key = address ?? IPAddress.None;
        var refused = false;
        lock (_lock)
        {
            if (_stopping || _epoll.IsInvalid || _perAddress.GetValueOrDefault(key) >= _perAddressLimit)
            {
                refused = true;
            }
            else
            {
                var waiting = new Waiting(++_nextId, socket, key, arrived, _time.GetTimestamp());
                // Edge-triggered: woken by each new piece of the head (a peek leaves the bytes, so level-triggered
                // would report the same ones again and again); on ADD the kernel reports what is already there.
                if (!Libc.EpollAdd(_epoll, (int)socket.SafeHandle.DangerousGetHandle(), Libc.EpollIn | Libc.EpollRdHup | Libc.EpollEdgeTriggered, waiting.Id))
                {
                    refused = true;
                }
                else
                {
                    _waiting.Add(waiting.Id, waiting);
                    _byAge.Enqueue(waiting);
                    _perAddress[key] = _perAddress.GetValueOrDefault(key) + 1;
                    _thread ??= StartThread();
                }
            }
        }
        if (refused)
        {
            Interlocked.Increment(ref _refused);
            NoteRefused(key);
            ConnectionAnswer.Send(socket, s_tooMany);
            _budget.Release();
        }
        return !refused;
    }

    /// <summary>Closes the connection that has waited longest, so its place in the budget can go to another; false when none waits.</summary>
    public bool TryEvictOldest()
    {
        Waiting? oldest = null;
        lock (_lock)
        {
            while (_byAge.TryDequeue(out var waiting))
            {
                if (!waiting.Done)
                {
                    Remove(waiting);
                    oldest = waiting;
                    break;
                }
            }
        }
        if (oldest is null)
        {
            return false;
        }
        Interlocked.Increment(ref _evicted);
        Log.GaveWay(_logger, oldest.Address);
        Close(oldest.Socket);
        return true;
    }

    private Thread StartThread()
    {
        var thread = new Thread(Run) { IsBackground = true, Name = "RadioServer waiting connections" };
        thread.Start();
        return thread;
    }

    private void Run()
    {
        var events = new (uint Events, ulong Data)[256];
        var head = GC.AllocateUninitializedArray<byte>(MaxHead);
        while (!_stopping)
        {
            var count = Libc.EpollWait(_epoll, events, WakeMilliseconds);
            for (var i = 0; i < count && !_stopping; i++)
            {
                Check(events[i].Data, events[i].Events, head);
            }
            CloseTimedOut();
        }
    }

    /// <summary>Something arrived for a waiting connection (more of its head, its end, or the peer's close).</summary>
    private void Check(ulong id, uint events, byte[] head)
    {
        Waiting? waiting;
        int received;
        bool ended;
        lock (_lock)
        {
            // Under the lock: a connection given way is removed and closed only under it, so it is never peeked closed.
            if (!_waiting.TryGetValue(id, out waiting))
            {
                return;
            }
            received = Libc.Peek((int)waiting.Socket.SafeHandle.DangerousGetHandle(), head);
            ended = received > 0 && (received == head.Length || HeadEnds(head.AsSpan(0, received)));
            var gone = received is 0 or < -1 || (!ended && (events & (Libc.EpollRdHup | Libc.EpollHup | Libc.EpollErr)) != 0);
            if (!ended && !gone)
            {
                return; // part of a head, or nothing new: wait for the next piece
            }
            Remove(waiting);
        }
        if (!ended)
        {
            Close(waiting.Socket); // closed (or broken) before its head ended
            return;
        }
        try
        {
            waiting.Arrived(waiting.Socket, head.AsSpan(0, received));
        }
        catch (Exception ex)
        {
            // A receiver's failure is local to its connection: this thread keeps watching the others.
            Log.HandOverFailed(_logger, ex);
            Close(waiting.Socket);
        }
    }

    private void CloseTimedOut()
    {
        var now = _time.GetTimestamp();
        List<Waiting>? expired = null;
        lock (_lock)
        {
            while (_byAge.TryPeek(out var waiting))
            {
                if (!waiting.Done && _time.GetElapsedTime(waiting.Since, now) < _timeout)
                {
                    break;
                }
                _byAge.Dequeue();
                if (!waiting.Done)
                {
                    Remove(waiting);
                    (expired ??= []).Add(waiting);
                }
            }
        }
        if (expired is null)
        {
            return;
        }
        Interlocked.Add(ref _timedOut, expired.Count);
        if (Due(ref _lastTimedOutLog))
        {
            Log.TimedOut(_logger, expired.Count, _timeout.TotalSeconds, expired[0].Address, TimedOut);
        }
        var scratch = new byte[4096];
        foreach (var waiting in expired)
        {
            // A silent connection is closed without a word; one that sent part of a head hears why.
            var fd = (int)waiting.Socket.SafeHandle.DangerousGetHandle();
            if (Libc.Peek(fd, scratch) > 0)
            {
                ConnectionAnswer.Send(waiting.Socket, s_timedOut);
                _budget.Release();
            }
            else
            {
                Close(waiting.Socket);
            }
        }
    }

    // Under _lock.
    private void Remove(Waiting waiting)
    {
        waiting.Done = true;
        _waiting.Remove(waiting.Id);
        if (_perAddress[waiting.Address] is var n and > 1)
        {
            _perAddress[waiting.Address] = n - 1;
        }
        else
        {
            _perAddress.Remove(waiting.Address);
        }
        Libc.EpollRemove(_epoll, (int)waiting.Socket.SafeHandle.DangerousGetHandle());
    }

    private void Close(Socket socket)
    {
        socket.Dispose();
        _budget.Release();
    }

    /// <summary>Whether a head's blank line has come (CRLF CRLF, or LF LF / LF CRLF from clients that end lines with LF only).</summary>
    internal static bool HeadEnds(ReadOnlySpan<byte> received) =>
        received.IndexOf("\r\n\r\n"u8) >= 0 || received.IndexOf("\n\n"u8) >= 0 || received.IndexOf("\n\r\n"u8) >= 0;

    private void NoteRefused(IPAddress address)
    {
        if (Due(ref _lastRefusedLog))
        {
            Log.TooManyWaiting(_logger, address, _perAddressLimit, Refused);
        }
    }

    /// <summary>Whether a minute has passed since <paramref name="last"/> (then it is now): one log line a minute per kind, whatever the flood.</summary>
    private bool Due(ref long? last)
    {
        var now = _time.GetTimestamp();
        lock (_lock)
        {
            if (last is { } then && _time.GetElapsedTime(then, now) < TimeSpan.FromMinutes(1))
            {
                return false;
            }
            last = now;
            return true;
        }
    }

    public void Dispose()
    {
        List<Waiting> left;
        lock (_lock)
        {
            _stopping = true;
            left = [.. _waiting.Values];
            foreach (var waiting in left)
            {
                Remove(waiting);
            }
        }
        _thread?.Join(TimeSpan.FromSeconds(2));
        foreach (var waiting in left)
        {
            Close(waiting.Socket);
        }
        _epoll.Dispose();
    }

    private sealed class Waiting(ulong id, Socket socket, IPAddress address, HeadArrived arrived, long since)
    {
        public ulong Id { get; } = id;
        public Socket Socket { get; } = socket;
        public IPAddress Address { get; } = address;
        public HeadArrived Arrived { get; } = arrived;
        public long Since { get; } = since;
        public bool Done { get; set; } // under _lock
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Closed {Count} connection(s) that sent no whole request head within {Seconds} s (the first from {Address}; {Total} since the start). The next such line comes in a minute at the earliest.", EventName = "RequestHeadTimedOut")]
        public static partial void TimedOut(ILogger logger, int count, double seconds, IPAddress address, long total);

        [LoggerMessage(2, LogLevel.Warning, "{Address} has {Limit} connections waiting to send their request: more are answered 429 ({Refused} so far from all addresses). The next warning comes in a minute at the earliest.", EventName = "TooManyWaiting")]
        public static partial void TooManyWaiting(ILogger logger, IPAddress address, int limit, long refused);

        [LoggerMessage(3, LogLevel.Debug, "A connection from {Address} still waiting for its request head gave way to one with its request at hand (the open-file budget is full).", EventName = "WaitingGaveWay")]
        public static partial void GaveWay(ILogger logger, IPAddress address);

        [LoggerMessage(4, LogLevel.Error, "Handing on a connection whose request head had arrived failed; it was closed.", EventName = "WaitingHandOverFailed")]
        public static partial void HandOverFailed(ILogger logger, Exception exception);
    }
}
