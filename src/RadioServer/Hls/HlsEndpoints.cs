using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace RadioServer.Hls;

/// <summary>
/// <c>GET/HEAD /hls/live.m3u8</c> and <c>/hls/seg-&lt;run&gt;-&lt;n&gt;.mp3</c>, with the headers a CDN caches by: a
/// segment never changes (immutable, long-lived), the playlist changes once a segment (cached about half of one).
/// For any site, like the stream (<c>Access-Control-Allow-Origin: *</c>). Answers come from the segmenter's
/// current window; nothing is computed per request.
/// </summary>
internal static partial class HlsEndpoints
{
    private const string PlaylistType = "application/vnd.apple.mpegurl";
    private const string SegmentType = "audio/mpeg";

    public static IEndpointRouteBuilder MapHls(this IEndpointRouteBuilder endpoints)
    {
        var options = endpoints.ServiceProvider.GetRequiredService<IOptions<HlsOptions>>().Value;
        if (!options.Enabled)
        {
            return endpoints;
        }
        string[] methods = [HttpMethods.Get, HttpMethods.Head];
        endpoints.MapMethods(HlsReporter.PlaylistPath, methods, ServePlaylistAsync);
        endpoints.MapMethods("/hls/{name}", methods, ServeSegmentAsync);
        endpoints.MapMethods("/hls/{**any}", [HttpMethods.Options], Preflight);
        return endpoints;
    }

    private static async Task ServePlaylistAsync(HttpContext context, HlsSegmenter segmenter, HlsListeners listeners, HlsReporter reporter, IOptions<HlsOptions> options)
    {
        var response = context.Response;
        var window = segmenter.Window;
        AllowAnyOrigin(response);
        if (window.PlaylistCount == 0)
        {
            // The first segment is still being cut (the station just went on air): come back in a segment.
            response.Headers.CacheControl = "no-store";
            response.Headers.RetryAfter = options.Value.TargetDuration.ToString(CultureInfo.InvariantCulture);
            await Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "No HLS segment yet.",
                detail: "The stream has just started; the first segment is being cut.").ExecuteAsync(context);
            return;
        }
        listeners.Seen(context.Connection.RemoteIpAddress?.ToString(), context.Request.Headers.UserAgent.ToString());
        reporter.PlaylistServed();
        response.Headers.CacheControl = $"public, max-age={options.Value.PlaylistMaxAgeSeconds.ToString(CultureInfo.InvariantCulture)}";
        response.ContentType = PlaylistType;
        response.ContentLength = window.Playlist.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await response.Body.WriteAsync(window.Playlist, context.RequestAborted);
        }
    }

    private static async Task ServeSegmentAsync(string name, HttpContext context, HlsSegmenter segmenter, HlsReporter reporter, IOptions<HlsOptions> options)
    {
        var response = context.Response;
        AllowAnyOrigin(response);
        var match = SegmentName().Match(name);
        var segment = match.Success && match.Groups["run"].Value == segmenter.Run &&
            long.TryParse(match.Groups["n"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var sequence)
            ? segmenter.Window.Find(sequence) : null;
        if (segment is null)
        {
            // Out of the window (gone, not yet cut, or of another run): at once, and not to be cached, since a future
            // number will exist in a few seconds.
            reporter.SegmentMissed();
            response.Headers.CacheControl = "no-store";
            await Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such HLS segment.",
                detail: $"{name} is not among the segments served now; reload {HlsReporter.PlaylistPath}.").ExecuteAsync(context);
            return;
        }
        reporter.SegmentServed();
        response.Headers.CacheControl = $"public, max-age={options.Value.SegmentMaxAgeSeconds.ToString(CultureInfo.InvariantCulture)}, immutable";
        response.ContentType = SegmentType;
        response.ContentLength = segment.Data.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await response.Body.WriteAsync(segment.Data, context.RequestAborted);
        }
    }

    private static IResult Preflight(HttpContext context)
    {
        AllowAnyOrigin(context.Response);
        context.Response.Headers.AccessControlAllowMethods = "GET, HEAD, OPTIONS";
        context.Response.Headers.AccessControlAllowHeaders = context.Request.Headers.AccessControlRequestHeaders.ToString() is { Length: > 0 } h ? h : "range";
        context.Response.Headers.AccessControlMaxAge = "86400";
        return Results.NoContent();
    }

    private static void AllowAnyOrigin(HttpResponse response) => response.Headers.AccessControlAllowOrigin = "*";

    [GeneratedRegex("^seg-(?<run>[0-9a-f]{1,16})-(?<n>[0-9]{1,18})\\.mp3$", RegexOptions.CultureInvariant)]
    private static partial Regex SegmentName();
}
