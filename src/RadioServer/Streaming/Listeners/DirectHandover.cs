using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using RadioServer.Station;

namespace RadioServer.Streaming.Listeners;

/// <summary>
/// The one hand-over of a listener's socket to the <see cref="Broadcaster"/>, for both direct paths (a player
/// answered by the station's accept loop, and one that reached Kestrel first): the listener joins, its head
/// and burst go out at once from the calling thread with one non-blocking write, and from then on only the
/// Broadcaster writes it. When the session ends, the socket is let go, the listener leaves, and the caller
/// closes the connection.
/// </summary>
internal sealed class DirectHandover(BroadcastBuffer buffer, ListenerRegistry registry, Broadcaster broadcaster, SlowListeners slow, ListenerResponse response, IOptions<RadioOptions> options)
{
    private readonly int _burst = options.Value.BurstSizeBytes;

    /// <summary>
    /// Serves a listener on <paramref name="socket"/>, whose request has been read. <paramref name="hungUp"/>, where the
    /// caller learns of a hang-up before a send fails, ends the session. The task completes once the listener has left
    /// and <paramref name="close"/> (if given) has run.
    /// </summary>
    public Task ServeAsync(Socket socket, IPAddress? address, string userAgent, bool icyMetadata, CancellationToken hungUp, Action<ListenerSession>? close = null, string? tag = null)
    {
        ListenerSocket.Configure(socket);
        var metaInt = icyMetadata ? response.MetaInt : 0;
        var session = registry.Join(address, userAgent, metaInt, abort: null, tag);
        DirectSender sender;
        try
        {
            var start = buffer.BurstStart(_burst);
            session.StartPosition = buffer.PositionOf(start);
            sender = new DirectSender(session, socket.SafeHandle, start, response.HeadFor(metaInt));
        }
        catch (ObjectDisposedException)
        {
            // The connection was closed (and its socket disposed) before it could be taken: a hang-up.
            session.Stop(LeaveReason.ClientClosed);
            registry.Leave(session);
            close?.Invoke(session);
            return Task.CompletedTask;
        }
        var handedOver = sender.SendDue(buffer, slow);
        if (handedOver)
        {
            broadcaster.Add(sender);
        }
        var registration = hungUp.CanBeCanceled ? hungUp.Register(static s => ((ListenerSession)s!).Stop(LeaveReason.ClientClosed), session) : default;
        return session.Ended.ContinueWith(_ =>
        {
            registration.Dispose();
            if (!handedOver)
            {
                sender.Detach(); // else the Broadcaster lets it go when it sees the session stopped
            }
            registry.Leave(session);
            close?.Invoke(session);
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }
}
