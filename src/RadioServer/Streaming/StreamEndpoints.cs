using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Extensions.Options;
using RadioServer.Audio;
using RadioServer.Station;

namespace RadioServer.Streaming;

/// <summary>GET/HEAD on the mount (Icecast-style MP3 with optional ICY metadata) and the .m3u/.pls playlists.</summary>
internal static partial class StreamEndpoints
{
    // Caps what the kernel holds for one listener, so a player that stops reading fills its queue
    // within seconds and meets the queue limit, rather than hiding megabytes in autotuned socket buffers.
    private const int ListenerSendBufferBytes = 64 * 1024;

    public static IEndpointRouteBuilder MapStreaming(this IEndpointRouteBuilder endpoints)
    {
        var options = endpoints.ServiceProvider.GetRequiredService<IOptions<RadioOptions>>().Value;
        endpoints.MapMethods(options.MountPath, [HttpMethods.Get, HttpMethods.Head], ServeStreamAsync);
        endpoints.MapGet("/listen.m3u", (HttpRequest request, IOptions<RadioOptions> o) =>
            Results.Text($"#EXTM3U\n#EXTINF:-1,{o.Value.StationName}\n{StreamUrl(request, o.Value)}\n", "audio/x-mpegurl", Encoding.UTF8));
        endpoints.MapGet("/listen.pls", (HttpRequest request, IOptions<RadioOptions> o) =>
            Results.Text($"[playlist]\nNumberOfEntries=1\nFile1={StreamUrl(request, o.Value)}\nTitle1={o.Value.StationName}\nLength1=-1\nVersion=2\n", "audio/x-scpls", Encoding.UTF8));
        var buffer = endpoints.ServiceProvider.GetRequiredService<BroadcastBuffer>();
        endpoints.ServiceProvider.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(buffer.Complete);
        return endpoints;
    }

    internal static string StreamUrl(HttpRequest request, RadioOptions options) =>
        $"{request.Scheme}://{request.Host}{request.PathBase}{options.MountPath}";

    private static async Task ServeStreamAsync(HttpContext context, BroadcastBuffer buffer, ListenerRegistry registry, Broadcaster broadcaster, IOptions<RadioOptions> options, ILoggerFactory loggers)
    {
        var o = options.Value;
        var request = context.Request;
        var response = context.Response;
        var wantsMetadata = request.Headers.TryGetValue("Icy-MetaData", out var icy) && icy.ToString().Trim() == "1";
        var metaInt = wantsMetadata ? o.MetaInt : 0;

        // Plain HTTP/1.x on a socket: the response is written straight to the socket, Icecast-style (see
        // Broadcaster). TLS, HTTP/2 or another transport go through Kestrel's response pipe below.
        if (HttpMethods.IsGet(request.Method) && !buffer.IsCompleted && SocketSend.IsSupported && !request.IsHttps &&
            (request.Protocol == "HTTP/1.1" || request.Protocol == "HTTP/1.0") &&
            context.Features.Get<IConnectionSocketFeature>()?.Socket is { } socket)
        {
            await ServeDirectAsync(context, socket, buffer, registry, broadcaster, o, metaInt);
            return;
        }

        response.StatusCode = StatusCodes.Status200OK;
        foreach (var (name, value) in Headers(o, metaInt))
        {
            response.Headers[name] = value;
        }
        if (HttpMethods.IsHead(request.Method) || buffer.IsCompleted)
        {
            return;
        }

        // A live stream has no length; a listener is ended by the queue-limit rule, never by Kestrel's
        // minimum data rate, which would cut a player that pauses briefly.
        if (context.Features.Get<IHttpMinResponseDataRateFeature>() is { } rate)
        {
            rate.MinDataRate = null;
        }
        if (context.Features.Get<IConnectionSocketFeature>()?.Socket is { } kestrelSocket)
        {
            TrySetSendBuffer(kestrelSocket);
        }

        var session = registry.Join(context, metaInt);
        var aborted = context.RequestAborted;
        try
        {
            // Headers now, so players show the station at once: StartAsync alone leaves them in the pipe.
            await response.StartAsync(aborted);
            var writer = response.BodyWriter;
            await writer.FlushAsync(aborted);
            var cursor = buffer.BurstStart(o.BurstSizeBytes);
            while (!aborted.IsCancellationRequested)
            {
                await buffer.WaitForAsync(cursor);
                if (session.LeaveReason is not null)
                {
                    break; // dropped (too slow, kicked) while waiting: write nothing more
                }
                if (buffer.IsCompleted)
                {
                    session.TrySetLeaveReason(LeaveReason.ServerStopping);
                    break;
                }
                ChunkRead read;
                while ((read = buffer.TryRead(cursor, out var chunk)) == ChunkRead.Ok)
                {
                    session.Write(writer, chunk!);
                    cursor++;
                }
                if (read == ChunkRead.Evicted)
                {
                    session.TrySetLeaveReason(LeaveReason.TooSlow);
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
            Log.ListenerFailed(loggers.CreateLogger(typeof(StreamEndpoints).FullName!), session.Id, ex);
        }
        finally
        {
            registry.Leave(session);
        }
    }

    /// <summary>
    /// The listener's whole response goes straight to its socket: the head (HTTP/1.0 200, close-delimited,
    /// as Icecast answers), the burst at once from this request, then the broadcaster's writes. Kestrel
    /// writes nothing; at the end the connection is aborted so it never adds a response of its own.
    /// </summary>
    private static async Task ServeDirectAsync(HttpContext context, Socket socket, BroadcastBuffer buffer, ListenerRegistry registry, Broadcaster broadcaster, RadioOptions o, int metaInt)
    {
        TrySetSendBuffer(socket);
        var session = registry.Join(context, metaInt);
        var handedOver = false;
        try
        {
            session.Attach(socket.SafeHandle, buffer.BurstStart(o.BurstSizeBytes), metaInt > 0 ? broadcaster.HeadWithMetadata : broadcaster.Head);
            if (session.GoesOn(session.Pump(buffer)))
            {
                broadcaster.Add(session);
                handedOver = true;
            }
            using (context.RequestAborted.Register(static s => ((ListenerSession)s!).Stop(LeaveReason.ClientClosed), session))
            {
                await session.Ended;
            }
        }
        finally
        {
            if (!handedOver)
            {
                session.Detach();
            }
            registry.Leave(session);
            context.Abort();
        }
    }

    /// <summary>The raw response head (pinned: it is sent with sendmsg like the audio).</summary>
    internal static byte[] Head(RadioOptions o, int metaInt)
    {
        var head = new StringBuilder("HTTP/1.0 200 OK\r\nConnection: close\r\nServer: RadioServer\r\n");
        foreach (var (name, value) in Headers(o, metaInt))
        {
            head.Append(name).Append(": ").Append(value).Append("\r\n");
        }
        var bytes = Encoding.UTF8.GetBytes(head.Append("\r\n").ToString());
        var pinned = GC.AllocateUninitializedArray<byte>(bytes.Length, pinned: true);
        bytes.CopyTo(pinned, 0);
        return pinned;
    }

    /// <summary>The listener response's headers, as Icecast sends them; the same on both paths.</summary>
    private static IEnumerable<(string Name, string Value)> Headers(RadioOptions o, int metaInt)
    {
        yield return ("Content-Type", "audio/mpeg");
        yield return ("Cache-Control", "no-cache, no-store");
        yield return ("Pragma", "no-cache");
        yield return ("Expires", "Mon, 26 Jul 1997 05:00:00 GMT");
        yield return ("Access-Control-Allow-Origin", "*");
        yield return ("icy-name", HeaderSafe(o.StationName));
        yield return ("icy-description", HeaderSafe(o.Description));
        yield return ("icy-genre", HeaderSafe(o.Genre));
        yield return ("icy-url", HeaderSafe(o.Url));
        yield return ("icy-br", o.BitrateKbps.ToString(System.Globalization.CultureInfo.InvariantCulture));
        yield return ("icy-pub", o.Public ? "1" : "0");
        yield return ("ice-audio-info", FormattableString.Invariant($"ice-samplerate={StationFormat.SampleRate};ice-bitrate={o.BitrateKbps};ice-channels={StationFormat.Channels}"));
        if (metaInt > 0)
        {
            yield return ("icy-metaint", metaInt.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    internal static void TrySetSendBuffer(Socket socket)
    {
        try
        {
            socket.SendBufferSize = ListenerSendBufferBytes;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or NotSupportedException)
        {
        }
    }

    private static string HeaderSafe(string value) =>
        string.Create(value.Length, value, static (span, v) =>
        {
            for (var i = 0; i < v.Length; i++)
            {
                span[i] = char.IsControl(v[i]) ? ' ' : v[i];
            }
        });

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Listener {ListenerId} failed.", EventName = "ListenerFailed")]
        public static partial void ListenerFailed(ILogger logger, long listenerId, Exception exception);
    }
}
