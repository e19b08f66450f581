using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Options;
using RadioServer.Interop;
using RadioServer.Station;

namespace RadioServer.Streaming.Connections;

/// <summary>
/// Kestrel's transport for TCP endpoints, with the station's own accept loop in front
/// (<see cref="StationConnectionListener"/>). Registered after Kestrel's socket transport, so Kestrel picks it
/// (the last factory that can bind). The listen socket defers accept until the client's first bytes arrived
/// (TCP_DEFER_ACCEPT; HTTP clients speak first), so a request can be read without waiting.
/// </summary>
internal sealed class StationTransportFactory(
    IOptions<SocketTransportOptions> socketOptions,
    IEnumerable<IDirectConnectionHandler> handlers,
    DescriptorBudget budget,
    WaitingConnections waiting,
    ILoggerFactory loggers,
    Overflow overflow) : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    // A client that connects and says nothing for this long is accepted anyway (and then handed to Kestrel).
    private const int DeferAcceptSeconds = 3;

    private readonly IDirectConnectionHandler[] _handlers = [.. handlers];

    public bool CanBind(EndPoint endpoint) => endpoint is IPEndPoint && Libc.IsSupported; // also with DirectListeners off: live sources are taken from the accept loop

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        var options = socketOptions.Value;
        var socket = options.CreateBoundListenSocket(endpoint);
        try
        {
            socket.SetRawSocketOption(Libc.IpProtoTcp, Libc.TcpDeferAccept, BitConverter.GetBytes(DeferAcceptSeconds));
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
        return ValueTask.FromResult<IConnectionListener>(
            new StationConnectionListener(socket, contexts, _handlers, budget, waiting, options.NoDelay, loggers.CreateLogger<StationConnectionListener>(), overflow));
    }
}
