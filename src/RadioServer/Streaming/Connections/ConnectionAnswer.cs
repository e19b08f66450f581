using System.Net.Sockets;
using System.Text;
using RadioServer.Interop;

namespace RadioServer.Streaming.Connections;

/// <summary>The short answers of the accept loop and its handlers (503 full, 408 too slow, 429 too many from one address, a source's 401/403/400): one line of reason, then close.</summary>
internal static class ConnectionAnswer
{
    /// <summary>A whole HTTP/1.0 answer, built once.</summary>
    public static byte[] Of(string status, int? retryAfterSeconds, string reason, string headers = "") => Encoding.ASCII.GetBytes(
        $"HTTP/1.0 {status}\r\nServer: RadioServer\r\nContent-Type: text/plain\r\nConnection: close\r\n" +
        (retryAfterSeconds is { } seconds ? $"Retry-After: {seconds}\r\n" : "") + headers + $"\r\n{reason}\n");

    /// <summary>Takes <paramref name="length"/> bytes (a head just peeked, so they are there) out of the socket; false if the connection broke.</summary>
    public static bool Consume(Socket socket, int length)
    {
        Span<byte> drain = stackalloc byte[1024];
        var fd = (int)socket.SafeHandle.DangerousGetHandle();
        for (var left = length; left > 0;)
        {
            var read = Libc.Receive(fd, drain[..Math.Min(left, drain.Length)], peek: false);
            if (read <= 0)
            {
                return false;
            }
            left -= read;
        }
        return true;
    }

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
