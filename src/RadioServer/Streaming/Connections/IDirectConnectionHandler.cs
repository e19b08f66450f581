using System.Net.Sockets;

namespace RadioServer.Streaming.Connections;

/// <summary>
/// A kind of connection the station's accept loop answers itself, before Kestrel, from the bytes that arrived
/// with it: today a player's plain GET of the mount (<see cref="Listeners.DirectListeners"/>); a live source's
/// PUT/SOURCE would be another. Handlers are asked in registration order; what none claims goes to Kestrel.
/// Called with the whole request head (at most <see cref="WaitingConnections.MaxHead"/>), from the accept loop or
/// from the <see cref="WaitingConnections"/>' thread, possibly at once: a handler must be thread-safe, answer at
/// once, never block.
/// </summary>
internal interface IDirectConnectionHandler
{
    /// <summary>
    /// Claims the connection if <paramref name="received"/> (its request head, still in the socket) is this kind.
    /// A claimed connection is the handler's: it closes the socket and then releases its place in the
    /// <see cref="DescriptorBudget"/>, once.
    /// </summary>
    bool TryClaim(Socket socket, ReadOnlySpan<byte> received);
}
