using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Options;
using RadioServer.Station;

namespace RadioServer.Streaming;

/// <summary>
/// Kestrel's transport for TCP endpoints, with the station's own accept loop in front: a connection whose
/// first bytes are a player's plain GET of the mount is answered right there, on the accepting thread, the
/// way Icecast does it (head and burst with one non-blocking write, then the <see cref="Broadcaster"/>),
/// without Kestrel's per-connection pipes, tasks and thread hops. Every other connection is handed to
/// Kestrel as its socket transport would: same options, same behaviour. The listen socket defers accept
/// until the client's first bytes arrived (TCP_DEFER_ACCEPT; HTTP clients speak first), so the request can
/// be read without waiting.
/// </summary>
internal sealed partial class ListenerTransportFactory(
    IOptions<SocketTransportOptions> socketOptions,
    IOptions<RadioOptions> radioOptions,
    DirectListeners listeners,
    DescriptorBudget budget,
    ILoggerFactory loggers) : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    private const int TcpDeferAcceptSeconds = 3;

    public bool CanBind(EndPoint endpoint) => endpoint is IPEndPoint && radioOptions.Value.DirectListeners && SocketSend.IsSupported;

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        var options = socketOptions.Value;
        var socket = options.CreateBoundListenSocket(endpoint);
        try
        {
            socket.SetRawSocketOption(6 /* IPPROTO_TCP */, 9 /* TCP_DEFER_ACCEPT */, BitConverter.GetBytes(TcpDeferAcceptSeconds));
            socket.Listen(options.Backlog);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            socket.Dispose();
            throw new AddressInUseException(ex.Message, ex);
        }
        var contexts = new SocketConnectionContextFactory(new SocketConnectionFactoryOptions
        {
            IOQueueCount = options.IOQueueCount,
            WaitForDataBeforeAllocatingBuffer = options.WaitForDataBeforeAllocatingBuffer,
            MaxReadBufferSize = options.MaxReadBufferSize,
            MaxWriteBufferSize = options.MaxWriteBufferSize,
            UnsafePreferInlineScheduling = options.UnsafePreferInlineScheduling,
        }, loggers.CreateLogger("Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets"));
        return ValueTask.FromResult<IConnectionListener>(new ListenerTransport(socket, contexts, listeners, budget, options.NoDelay, loggers.CreateLogger<ListenerTransportFactory>()));
    }

    private sealed partial class ListenerTransport(Socket listen, SocketConnectionContextFactory contexts, DirectListeners listeners, DescriptorBudget budget, bool noDelay, ILogger logger) : IConnectionListener
    {
        private static readonly byte[] s_full = Encoding.ASCII.GetBytes(
            "HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/plain\r\nConnection: close\r\nRetry-After: 30\r\n\r\n" +
            "This server has as many connections as its open-file limit allows. Try again later.\n");

        // Only this listener's accept loop uses these: Kestrel calls AcceptAsync one call at a time.
        private readonly byte[] _scratch = new byte[4096];
        private SafeHandle? _reserve = OpenReserve();
        private long? _lastFullLog;

        public EndPoint EndPoint { get; } = listen.LocalEndPoint!;

        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            while (true)
            {
                Socket socket;
                try
                {
                    socket = await listen.AcceptAsync(cancellationToken);
                }
                catch (ObjectDisposedException)
                {
                    return null;
                }
                catch (SocketException ex) when (ex.SocketErrorCode == SocketError.OperationAborted)
                {
                    return null;
                }
                catch (SocketException ex) when (ex.SocketErrorCode == SocketError.TooManyOpenSockets)
                {
                    await RefuseOneAsync(cancellationToken);
                    continue;
                }
                catch (SocketException)
                {
                    continue; // reset before it was accepted
                }
                if (noDelay)
                {
                    socket.NoDelay = true;
                }
                if (!budget.TryTake())
                {
                    NoteFull();
                    Refuse(socket, _scratch);
                    continue;
                }
                if (!listeners.TryServe(socket, _scratch))
                {
                    var connection = contexts.Create(socket);
                    connection.ConnectionClosed.Register(static b => ((DescriptorBudget)b!).Release(), budget);
                    return connection;
                }
            }
        }

        /// <summary>
        /// The process is at its open-file limit and a connection waits: the descriptor held in reserve makes room
        /// to accept it, answer 503 and close it (so the client hears why at once instead of timing out, and the
        /// accept loop does not spin on a queue it cannot take from). While the spare is in use, wait a little.
        /// </summary>
        private async Task RefuseOneAsync(CancellationToken cancellationToken)
        {
            NoteFull();
            _reserve ??= OpenReserve();
            if (_reserve is null)
            {
                await Task.Delay(100, cancellationToken); // nothing to spare: the queue waits for a listener to leave
                return;
            }
            // All on this thread, so the descriptor freed by the refused connection goes straight back to the reserve.
            _reserve.Dispose();
            _reserve = null;
            try
            {
                Refuse(listen.Accept(), _scratch);
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
            listeners.CountRefused();
            if (_lastFullLog is not { } last || Environment.TickCount64 - last > 60_000)
            {
                _lastFullLog = Environment.TickCount64;
                Log.OpenFileLimit(logger, listeners.Refused, budget.Limit, budget.Connections, budget.Capacity);
            }
        }

        /// <summary>Answers 503 and closes, reading the request first: closing with unread bytes would reset the answer away.</summary>
        private static void Refuse(Socket socket, byte[] scratch)
        {
            using (socket)
            {
                try
                {
                    SocketSend.Receive((int)socket.SafeHandle.DangerousGetHandle(), scratch, peek: false);
                    socket.Send(s_full, SocketFlags.None);
                    socket.Shutdown(SocketShutdown.Send);
                }
                catch (SocketException)
                {
                }
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
            listen.Dispose();
            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            listen.Dispose();
            contexts.Dispose();
            _reserve?.Dispose();
            return ValueTask.CompletedTask;
        }

        private static partial class Log
        {
            [LoggerMessage(1, LogLevel.Warning, "The process is at its open-file limit ({Limit}; {Connections} connections, room for {Capacity}): new connections are answered 503 and closed ({Refused} so far). Raise the limit (ulimit -n) to take more listeners.", EventName = "OpenFileLimit")]
            public static partial void OpenFileLimit(ILogger logger, long refused, long limit, long connections, long capacity);
        }
    }
}

/// <summary>Serves a listener on a socket straight from the accept loop (see <see cref="ListenerTransportFactory"/>).</summary>
internal sealed class DirectListeners(BroadcastBuffer buffer, ListenerRegistry registry, Broadcaster broadcaster, DescriptorBudget budget, IOptions<RadioOptions> options)
{
    private readonly byte[] _mount = Encoding.ASCII.GetBytes(options.Value.MountPath);
    private readonly int _burst = options.Value.BurstSizeBytes;
    private readonly int _metaInt = options.Value.MetaInt;
    private long _served;
    private long _refused;

    /// <summary>Listeners answered from the accept loop since the start.</summary>
    public long Served => Interlocked.Read(ref _served);

    /// <summary>Connections refused (503) because the process was at its open-file limit.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    internal void CountRefused() => Interlocked.Increment(ref _refused);

    /// <summary>Serves the connection if its first bytes are a player's request for the mount; false leaves it (and its bytes) to Kestrel.</summary>
    public bool TryServe(Socket socket, byte[] scratch)
    {
        if (buffer.IsCompleted)
        {
            return false;
        }
        var fd = (int)socket.SafeHandle.DangerousGetHandle();
        var received = SocketSend.Receive(fd, scratch, peek: true);
        if (received <= 0 || !ListenerRequest.TryParse(scratch.AsSpan(0, received), _mount, out var request))
        {
            return false;
        }
        // Take the request's bytes out of the socket (they are there: just peeked).
        if (SocketSend.Receive(fd, scratch.AsSpan(0, request.HeadLength), peek: false) != request.HeadLength)
        {
            socket.Dispose();
            budget.Release();
            return true;
        }
        StreamEndpoints.TrySetSendBuffer(socket);
        Interlocked.Increment(ref _served);
        var metaInt = request.IcyMetadata ? _metaInt : 0;
        var session = registry.Join((socket.RemoteEndPoint as IPEndPoint)?.Address, request.UserAgent, metaInt, abort: null);
        var listener = new DirectListener(socket, session, registry, budget);
        session.Attach(socket.SafeHandle, buffer.BurstStart(_burst), metaInt > 0 ? broadcaster.HeadWithMetadata : broadcaster.Head);
        if (session.GoesOn(session.Pump(buffer)))
        {
            listener.HandedOver = true;
            broadcaster.Add(session);
        }
        session.Ended.ContinueWith(static (_, state) => ((DirectListener)state!).End(), listener, CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return true;
    }

    /// <summary>What is left to do when a direct listener's session ends: leave the registry and close the socket.</summary>
    private sealed class DirectListener(Socket socket, ListenerSession session, ListenerRegistry registry, DescriptorBudget budget)
    {
        public bool HandedOver { get; set; }

        public void End()
        {
            if (!HandedOver)
            {
                session.Detach();
            }
            registry.Leave(session);
            try
            {
                if (session.LeaveReason is LeaveReason.TooSlow or LeaveReason.Kicked)
                {
                    socket.LingerState = new LingerOption(true, 0); // reset: drop what the kernel still holds for it
                }
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
            }
            socket.Dispose();
            budget.Release();
        }
    }
}
