using System.Net.Sockets;
using System.Text;
using RadioServer.Interop;

namespace RadioServer.Streaming.Connections;

/// <summary>The accept loop's own short answers (503 full, 408 too slow, 429 too many from one address): one line of reason, then close.</summary>
internal static class ConnectionAnswer
{
    /// <summary>A whole HTTP/1.0 answer, built once.</summary>
    public static byte[] Of(string status, int? retryAfterSeconds, string reason) => Encoding.ASCII.GetBytes(
        $"HTTP/1.0 {status}\r\nContent-Type: text/plain\r\nConnection: close\r\n" +
        (retryAfterSeconds is { } seconds ? $"Retry-After: {seconds}\r\n" : "") + $"\r\n{reason}\n");

    /// <summary>
    /// Reads what the peer sent (closing with unread bytes would reset the answer away), sends the answer without
    /// waiting (it fits any socket buffer), and closes the socket.
    /// </summary>
    public static void Send(Socket socket, byte[] answer)
    {
        using (socket)
        {
            try
            {
                Span<byte> drain = stackalloc byte[1024];
                var fd = (int)socket.SafeHandle.DangerousGetHandle();
                for (var i = 0; i < WaitingConnections.MaxHead / drain.Length && Libc.Receive(fd, drain, peek: false) > 0; i++)
                {
                }
                socket.Send(answer, SocketFlags.None);
                socket.Shutdown(SocketShutdown.Send);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
            }
        }
    }
}
