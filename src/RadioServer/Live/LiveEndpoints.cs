using System.Text;

namespace RadioServer.Live;

/// <summary>Icecast's metadata update for a source: <c>GET /admin/metadata?mode=updinfo&amp;mount=/live&amp;song=…</c> with the source's Basic credentials.</summary>
internal static class LiveEndpoints
{
    public static IEndpointRouteBuilder MapLive(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/admin/metadata", UpdateMetadata);
        return endpoints;
    }

    private static IResult UpdateMetadata(HttpRequest request, LiveSources live)
    {
        var (user, password) = SourceRequest.BasicCredentials(request.Headers.Authorization.ToString());
        if (!live.Authenticated(user, password))
        {
            return Results.Text(IceResponse("Authentication required", 0), "text/xml", Encoding.UTF8, StatusCodes.Status401Unauthorized)
                .WithHeader("WWW-Authenticate", "Basic realm=\"RadioServer\"");
        }
        if (request.Query["mode"].ToString() != "updinfo")
        {
            return Results.Text(IceResponse("Unsupported mode (only updinfo)", 0), "text/xml", Encoding.UTF8, StatusCodes.Status400BadRequest);
        }
        var mount = request.Query["mount"].ToString();
        if (!live.IsSourceMount(mount) || live.Current is null)
        {
            return Results.Text(IceResponse("Source does not exist", 0), "text/xml", Encoding.UTF8, StatusCodes.Status400BadRequest);
        }
        live.SetTitle(request.Query["song"].ToString());
        return Results.Text(IceResponse("Metadata update successful", 1), "text/xml", Encoding.UTF8);
    }

    private static string IceResponse(string message, int code) =>
        $"<?xml version=\"1.0\"?>\n<iceresponse><message>{System.Security.SecurityElement.Escape(message)}</message><return>{code}</return></iceresponse>\n";

    private static IResult WithHeader(this IResult result, string name, string value) => new HeaderResult(result, name, value);

    private sealed class HeaderResult(IResult inner, string name, string value) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers[name] = value;
            return inner.ExecuteAsync(httpContext);
        }
    }
}
