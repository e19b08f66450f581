using System.Text;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Options;
using RadioServer.Interop;
using RadioServer.Station;

namespace RadioServer.Streaming.Listeners;

/// <summary>GET/HEAD on the mount for what reached Kestrel (Icecast-style MP3 with optional ICY metadata), and the .m3u/.pls playlists.</summary>
internal static class StreamEndpoints
{
    public static IEndpointRouteBuilder MapStreaming(this IEndpointRouteBuilder endpoints)
    {
        var options = endpoints.ServiceProvider.GetRequiredService<IOptions<RadioOptions>>().Value;
        endpoints.MapMethods(options.MountPath, [HttpMethods.Get, HttpMethods.Head], ServeStreamAsync);
        endpoints.MapGet("/listen.m3u", (HttpRequest request, IOptions<RadioOptions> o) =>
            Results.Text($"#EXTM3U\n#EXTINF:-1,{o.Value.StationName}\n{StreamUrls.Absolute(request, o.Value)}\n", "audio/x-mpegurl", Encoding.UTF8));
        endpoints.MapGet("/listen.pls", (HttpRequest request, IOptions<RadioOptions> o) =>
            Results.Text($"[playlist]\nNumberOfEntries=1\nFile1={StreamUrls.Absolute(request, o.Value)}\nTitle1={o.Value.StationName}\nLength1=-1\nVersion=2\n", "audio/x-scpls", Encoding.UTF8));
        var buffer = endpoints.ServiceProvider.GetRequiredService<BroadcastBuffer>();
        endpoints.ServiceProvider.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(buffer.Complete);
        return endpoints;
    }

    private static readonly object s_requestSeen = new();
    private static readonly object s_notFirst = new();

    /// <summary>
    /// Marks every request that is not the first on its connection. Only a first request may take the direct
    /// hand-over: after an earlier one (keep-alive or pipelined, "GET /listen.m3u" then "GET /stream"), Kestrel may
    /// still be writing that answer, and bytes written beside it to the socket would land inside it. Such a
    /// request is served through Kestrel's pipe, which keeps the answers in order. Runs before everything else.
    /// </summary>
    public static WebApplication UseListenerConnectionOrder(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            if (context.Features.Get<IConnectionItemsFeature>()?.Items is { } items && !items.TryAdd(s_requestSeen, null))
            {
                context.Items[s_notFirst] = null;
            }
            return next(context);
        });
        return app;
    }

    /// <summary>
    /// A player's request that Kestrel parsed (a head in pieces, an unusual header, or the accept loop off). Plain
    /// HTTP/1.x on a socket goes to the same hand-over as the accept loop's players; TLS, HTTP/2, another transport
    /// or <c>Radio:DirectListeners=false</c> through Kestrel's response pipe.
    /// </summary>
    private static async Task ServeStreamAsync(HttpContext context, BroadcastBuffer buffer, ListenerResponse response, DirectHandover handover, PipeSender pipe, IOptions<RadioOptions> options)
    {
        var o = options.Value;
        var request = context.Request;
        var wantsMetadata = request.Headers.TryGetValue("Icy-MetaData", out var icy) && icy.ToString().Trim() == "1";
        var metaInt = wantsMetadata ? o.MetaInt : 0;
        if (HttpMethods.IsHead(request.Method) || buffer.IsCompleted)
        {
            response.Apply(context.Response, metaInt);
            return;
        }
        if (o.DirectListeners && Libc.IsSupported && !request.IsHttps && request.Protocol is "HTTP/1.1" or "HTTP/1.0" &&
            !context.Items.ContainsKey(s_notFirst) && context.Features.Get<IConnectionSocketFeature>()?.Socket is { } socket)
        {
            // Kestrel writes nothing: the whole response goes straight to the socket, and at the end the connection
            // is aborted so Kestrel never adds a response of its own.
            await handover.ServeAsync(socket, context.Connection.RemoteIpAddress, request.Headers.UserAgent.ToString(), wantsMetadata, context.RequestAborted, tag: request.Query["t"].ToString());
            context.Abort();
            return;
        }
        await pipe.ServeAsync(context, metaInt, o.BurstSizeBytes);
    }
}
