using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using RadioServer.Interop;

namespace RadioServer.Streaming.Connections;

/// <summary>
/// The station's accept loop. Every accepted connection first takes a place in the <see cref="DescriptorBudget"/>
/// (none left: one still waiting for its head gives way to it if it has its request at hand, else 503 and close);
/// then its request head, once whole, is offered to the <see cref="IDirectConnectionHandler"/>s, which answer their
/// kind right there, the way Icecast does (players: head and burst with one non-blocking write, then the
/// Broadcaster), without Kestrel's per-connection pipes, tasks and thread hops. A head not whole at the first look
/// (silent so far, in pieces, or larger than 4 KiB) waits in <see cref="WaitingConnections"/> first, which closes it
/// if it takes too long. Every other connection is handed to Kestrel as its socket transport would: same options,
/// same behaviour, with its head still unread in the socket.
/// </summary>
internal sealed partial class StationConnectionListener : IConnectionListener
{
    private static readonly byte[] s_full = ConnectionAnswer.Of("503 Service Unavailable", 30, "This server has as many connections as its open-file limit allows. Try again later.");

    private readonly Socket _listen;
    private readonly SocketConnectionContextFactory _contexts;
    private readonly IDirectConnectionHandler[] _handlers;
    private readonly DescriptorBudget _budget;
    private readonly WaitingConnections _waiting;
    private readonly Overflow? _overflow;
    private readonly bool _noDelay;
    private readonly ILogger<StationConnectionListener> _logger;
    private readonly WaitingConnections.HeadArrived _arrived;

    // Connections for Kestrel, from the accept loop and from the waiting ones; Kestrel takes one at a time.
    private readonly Channel<Socket> _forKestrel = Channel.CreateUnbounded<Socket>(new UnboundedChannelOptions { SingleReader = true });

    // Only the accept loop uses these.
    private readonly byte[] _scratch = new byte[4096];
    private SafeHandle? _reserve = OpenReserve();
    private long? _lastFullLog;

    public StationConnectionListener(Socket listen, SocketConnectionContextFactory contexts, IDirectConnectionHandler[] handlers, DescriptorBudget budget,
        WaitingConnections waiting, bool noDelay, ILogger<StationConnectionListener> logger, Overflow? overflow = null)
    {
        _overflow = overflow;
        _listen = listen;
        _contexts = contexts;
        _handlers = handlers;
        _budget = budget;
        _waiting = waiting;
        _noDelay = noDelay;
        _logger = logger;
        _arrived = HeadArrived;
        EndPoint = listen.LocalEndPoint!;
        _ = Task.Run(AcceptLoopAsync);
    }

    public EndPoint EndPoint { get; }

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        while (await _forKestrel.Reader.WaitToReadAsync(cancellationToken))
        {
            if (_forKestrel.Reader.TryRead(out var socket))
            {
                var connection = _contexts.Create(socket);
                connection.ConnectionClosed.Register(static b => ((DescriptorBudget)b!).Release(), _budget);
                return connection;
            }
        }
        return null;
    }

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (true)
            {
                Socket socket;
                try
                {
                    socket = await _listen.AcceptAsync();
                }
                catch (ObjectDisposedException)
                {
                    return;
                }
                catch (SocketException ex) when (ex.SocketErrorCode == SocketError.OperationAborted)
                {
                    return;
                }
                catch (SocketException ex) when (ex.SocketErrorCode == SocketError.TooManyOpenSockets)
                {
                    await RefuseOneAsync();
                    continue;
                }
                catch (SocketException)
                {
                    continue; // reset before it was accepted
                }
                try
                {
                    Take(socket);
                }
                catch (Exception ex)
                {
                    // Failure is this connection's alone: the loop goes on accepting.
                    Log.TakeFailed(_logger, ex);
                    socket.Dispose();
                }
            }
        }
        finally
        {
            _forKestrel.Writer.TryComplete();
        }
    }

    /// <summary>A new connection: its place in the budget, then where it goes by what it has sent so far.</summary>
    private void Take(Socket socket)
    {
        if (_noDelay)
        {
            socket.NoDelay = true;
        }
        var received = Libc.Peek((int)socket.SafeHandle.DangerousGetHandle(), _scratch);
        if (received is 0 or < -1)
        {
            socket.Dispose(); // closed (or broken) before it said anything
            return;
        }
        var head = _scratch.AsSpan(0, Math.Max(received, 0));
        var whole = received > 0 && (head[0] is < (byte)'A' or > (byte)'Z' || WaitingConnections.HeadEnds(head));
        // Full: a connection with its request at hand takes the place of the one waiting longest for its head.
        if (!_budget.TryTake() && (!whole || !_waiting.TryEvictOldest() || !_budget.TryTake()))
        {
            NoteFull();
            // A player may be sent to another node of the station that has room (an edge, its origin).
            ConnectionAnswer.Send(socket, whole && _overflow is { } overflow ? overflow.Answer(head, s_full) : s_full);
            return;
        }
        try
        {
            if (whole)
            {
                HeadArrived(socket, head); // whole (or not HTTP/1 at all, e.g. TLS: Kestrel's to answer)
            }
            else
            {
                _waiting.TryAdd(socket, RemoteAddress(socket), _arrived);
            }
        }
        catch (Exception ex)
        {
            // Broke, or a handler failed, before anyone took it: the place is still this loop's to give back, and the
            // failure is this connection's alone (a handler's exception once ended Kestrel's accept loop for good).
            if (ex is not (SocketException or ObjectDisposedException))
            {
                Log.TakeFailed(_logger, ex);
            }
            socket.Dispose();
            _budget.Release();
        }
    }

    private static IPAddress? RemoteAddress(Socket socket)
    {
        try
        {
            return (socket.RemoteEndPoint as IPEndPoint)?.Address;
        }
        catch (SocketException)
        {
            return null; // reset already: it will be closed at its first read
        }
    }

    /// <summary>
    /// A connection's head has arrived (peeked, so Kestrel still reads it if nobody claims it): offered to each
    /// handler, else Kestrel's. From the accept loop and from the waiting connections' thread.
    /// </summary>
    private void HeadArrived(Socket socket, ReadOnlySpan<byte> head)
    {
        foreach (var handler in _handlers)
        {
            if (handler.TryClaim(socket, head))
            {
                return;
            }
        }
        if (!_forKestrel.Writer.TryWrite(socket))
        {
            socket.Dispose(); // the listener is closing
            _budget.Release();
        }
    }

    /// <summary>
    /// The process is at its open-file limit and a connection waits: the descriptor held in reserve makes room
    /// to accept it, answer 503 and close it (so the client hears why at once instead of timing out, and the
    /// accept loop does not spin on a queue it cannot take from). While the spare is in use, wait a little.
    /// </summary>
    private async Task RefuseOneAsync()
    {
        NoteFull();
        _reserve ??= OpenReserve();
        if (_reserve is null)
        {
            await Task.Delay(100); // nothing to spare: the queue waits for a listener to leave
            return;
        }
        // All on this thread, so the descriptor freed by the refused connection goes straight back to the reserve.
        _reserve.Dispose();
        _reserve = null;
        try
        {
            ConnectionAnswer.Send(_listen.Accept(), s_full);
        }
        catch (SocketException)
        {
        }
        finally
        {
            _reserve = OpenReserve();
        }
    }

    private void NoteFull()
    {
        _budget.CountRefused();
        if (_lastFullLog is not { } last || Environment.TickCount64 - last > 60_000)
        {
            _lastFullLog = Environment.TickCount64;
            Log.OpenFileLimit(_logger, _budget.Refused, _budget.Limit, _budget.Connections, _budget.Capacity);
        }
    }

    private static SafeHandle? OpenReserve()
    {
        try
        {
            return File.OpenHandle("/dev/null");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null; // no descriptor to spare right now
        }
    }

    public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        _listen.Dispose();
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        _listen.Dispose();
        _forKestrel.Writer.TryComplete();
        while (_forKestrel.Reader.TryRead(out var socket))
        {
            socket.Dispose();
            _budget.Release();
        }
        _contexts.Dispose();
        _reserve?.Dispose();
        return ValueTask.CompletedTask;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "The process is at its open-file limit ({Limit}; {Connections} connections, room for {Capacity}): new connections are answered 503 and closed ({Refused} so far). Raise the limit (ulimit -n) to take more listeners.", EventName = "OpenFileLimit")]
        public static partial void OpenFileLimit(ILogger logger, long refused, long limit, long connections, long capacity);

        [LoggerMessage(2, LogLevel.Error, "A new connection could not be taken; it was closed and the accept loop goes on.", EventName = "ConnectionTakeFailed")]
        public static partial void TakeFailed(ILogger logger, Exception exception);
    }
}
