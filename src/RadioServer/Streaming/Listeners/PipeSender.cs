using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace RadioServer.Streaming.Listeners;

/// <summary>
/// Serves a listener through Kestrel's response pipe, for what the direct paths cannot take: TLS, HTTP/2, a
/// transport without a socket, or <c>Radio:DirectListeners=false</c>. The request's own task copies the shared
/// chunks (with ICY blocks from the same <see cref="IcyInterleaver"/> as the direct path) into the pipe and
/// flushes; Kestrel's back-pressure holds it while the player reads slowly, and the <see cref="SlowListeners"/>
/// rule aborts the connection once it is too far behind.
/// </summary>
internal sealed partial class PipeSender(BroadcastBuffer buffer, ListenerRegistry registry, SlowListeners slow, ListenerResponse response, ILogger<PipeSender> logger)
{
    public async Task ServeAsync(HttpContext context, int metaInt, int burstBytes)
    {
        // A live stream has no length; a listener is ended by the queue-limit rule, never by Kestrel's
        // minimum data rate, which would cut a player that pauses briefly.
        if (context.Features.Get<IHttpMinResponseDataRateFeature>() is { } rate)
        {
            rate.MinDataRate = null;
        }
        if (context.Features.Get<IConnectionSocketFeature>()?.Socket is { } socket)
        {
            ListenerSocket.Configure(socket);
        }
        response.Apply(context.Response, metaInt);
        var session = registry.Join(context.Connection.RemoteIpAddress, context.Request.Headers.UserAgent.ToString(), metaInt, context.Abort, context.Request.Query["t"].ToString());
        var aborted = context.RequestAborted;
        try
        {
            // Headers now, so players show the station at once: StartAsync alone leaves them in the pipe.
            await context.Response.StartAsync(aborted);
            var writer = context.Response.BodyWriter;
            await writer.FlushAsync(aborted);
            var start = buffer.BurstStart(burstBytes);
            session.StartPosition = buffer.PositionOf(start);
            var cursor = new IcyInterleaver(start, metaInt);
            while (!aborted.IsCancellationRequested)
            {
                await buffer.WaitForAsync(cursor.Chunk);
                if (session.LeaveReason is not null)
                {
                    break; // dropped (too slow, kicked) while waiting: write nothing more
                }
                if (buffer.IsCompleted)
                {
                    session.TrySetLeaveReason(LeaveReason.ServerStopping);
                    break;
                }
                if (!Write(writer, ref cursor, session))
                {
                    slow.OutOfRing(session, buffer.EndPosition);
                    break;
                }
                var flush = await writer.FlushAsync(aborted);
                if (flush.IsCompleted || flush.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ConnectionResetException or ConnectionAbortedException or SocketException or ObjectDisposedException)
        {
            // The player hung up or was dropped: the normal end of a listen.
        }
        catch (Exception ex)
        {
            session.TrySetLeaveReason(LeaveReason.Error);
            Log.ListenerFailed(logger, session.Id, ex);
        }
        finally
        {
            registry.Leave(session);
        }
    }

    /// <summary>Copies everything up to the live edge into the pipe; false when the listener's place fell out of the ring.</summary>
    private bool Write(PipeWriter writer, ref IcyInterleaver cursor, ListenerSession session)
    {
        var written = 0L;
        ChunkRead read;
        while (cursor.TryPeek(buffer, out var array, out var offset, out var length, out var chunk, out read))
        {
            Copy(writer, array.AsSpan(offset, length));
            cursor.Advance(length, chunk);
            written += length;
        }
        session.Sent(cursor.Position, written);
        return read != ChunkRead.Evicted;
    }

    /// <summary>PipeWriter.Write, but a response already closed (the player hung up: no room is given) ends the listen as a hang-up.</summary>
    private static void Copy(PipeWriter writer, ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            var span = writer.GetSpan();
            if (span.IsEmpty)
            {
                throw new IOException("The response is closed.");
            }
            var take = Math.Min(span.Length, data.Length);
            data[..take].CopyTo(span);
            writer.Advance(take);
            data = data[take..];
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Listener {ListenerId} failed.", EventName = "ListenerFailed")]
        public static partial void ListenerFailed(ILogger logger, long listenerId, Exception exception);
    }
}
