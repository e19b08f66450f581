using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Options;
using RadioServer.Interop;
using RadioServer.Station;
using RadioServer.Streaming.Connections;

namespace RadioServer.Streaming.Listeners;

/// <summary>
/// Players answered straight from the station's accept loop (see <see cref="StationTransportFactory"/>): a
/// connection whose first bytes are a plain GET of the mount (<see cref="ListenerRequest"/>) has its request
/// taken out of the socket and goes to the <see cref="DirectHandover"/>; no Kestrel connection, pipe or task exists for it.
/// </summary>
internal sealed class DirectListeners(BroadcastBuffer buffer, DirectHandover handover, DescriptorBudget budget, IOptions<RadioOptions> options) : IDirectConnectionHandler
{
    private readonly byte[] _mount = Encoding.ASCII.GetBytes(options.Value.MountPath);
    private long _served;

    /// <summary>Listeners answered from the accept loop since the start.</summary>
    public long Served => Interlocked.Read(ref _served);

    public bool TryClaim(Socket socket, ReadOnlySpan<byte> received)
    {
        if (!options.Value.DirectListeners || buffer.IsCompleted || !ListenerRequest.TryParse(received, _mount, out var request))
        {
            return false;
        }
        // Take the request's bytes out of the socket (they are there: just peeked, at most WaitingConnections.MaxHead).
        if (!ConnectionAnswer.Consume(socket, request.HeadLength))
        {
            Close(socket, LeaveReason.ClientClosed);
            return true;
        }
        Interlocked.Increment(ref _served);
        _ = handover.ServeAsync(socket, (socket.RemoteEndPoint as IPEndPoint)?.Address, request.UserAgent, request.IcyMetadata, CancellationToken.None,
            session => Close(socket, session.LeaveReason), request.Tag);
        return true;
    }

    private void Close(Socket socket, LeaveReason? reason)
    {
        try
        {
            if (reason is LeaveReason.TooSlow or LeaveReason.Kicked)
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
