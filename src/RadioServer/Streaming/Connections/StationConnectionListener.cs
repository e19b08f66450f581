using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using RadioServer.Interop;

namespace RadioServer.Streaming.Connections;

/// <summary>
/// The station's accept loop. Every accepted connection first takes a place in the <see cref="DescriptorBudget"/>
/// (none left: 503 and close); then its first bytes are peeked at and offered to the
/// <see cref="IDirectConnectionHandler"/>s, which answer their kind right here on the accepting thread, the way
/// Icecast does (players: head and burst with one non-blocking write, then the Broadcaster), without Kestrel's
/// per-connection pipes, tasks and thread hops. Every other connection is handed to Kestrel as its socket
/// transport would: same options, same behaviour.
/// </summary>
internal sealed partial class StationConnectionListener(Socket listen, SocketConnectionContextFactory contexts, IDirectConnectionHandler[] handlers, DescriptorBudget budget, bool noDelay, ILogger<StationConnectionListener> logger) : IConnectionListener
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
            if (!Claimed(socket))
            {
                var connection = contexts.Create(socket);
                connection.ConnectionClosed.Register(static b => ((DescriptorBudget)b!).Release(), budget);
                return connection;
            }
        }
    }

    /// <summary>Offers the connection's first bytes (peeked, so Kestrel still reads them if nobody claims it) to each handler.</summary>
    private bool Claimed(Socket socket)
    {
        if (handlers.Length == 0)
        {
            return false;
        }
        var received = Libc.Receive((int)socket.SafeHandle.DangerousGetHandle(), _scratch, peek: true);
        if (received <= 0)
        {
            return false;
        }
        foreach (var handler in handlers)
        {
            if (handler.TryClaim(socket, _scratch.AsSpan(0, received)))
            {
                return true;
            }
        }
        return false;
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
        budget.CountRefused();
        if (_lastFullLog is not { } last || Environment.TickCount64 - last > 60_000)
        {
            _lastFullLog = Environment.TickCount64;
            Log.OpenFileLimit(logger, budget.Refused, budget.Limit, budget.Connections, budget.Capacity);
        }
    }

    /// <summary>Answers 503 and closes, reading the request first: closing with unread bytes would reset the answer away.</summary>
    private static void Refuse(Socket socket, byte[] scratch)
    {
        using (socket)
        {
            try
            {
                Libc.Receive((int)socket.SafeHandle.DangerousGetHandle(), scratch, peek: false);
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
