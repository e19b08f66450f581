using System.Net.Sockets;

namespace RadioServer.Streaming.Listeners;

/// <summary>Socket settings every listener's connection gets, whichever path serves it.</summary>
internal static class ListenerSocket
{
    // Caps what the kernel holds for one listener, so a player that stops reading fills its queue
    // within seconds and meets the queue limit, rather than hiding megabytes in autotuned socket buffers.
    private const int SendBufferBytes = 64 * 1024;

    public static void Configure(Socket socket)
    {
        try
        {
            socket.SendBufferSize = SendBufferBytes;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or NotSupportedException)
        {
            // Not a TCP socket any more (closed meanwhile): the listener's first send finds out.
        }
    }
}
