using System.Text;
using RadioServer.Auth;

namespace RadioServer.Live;

/// <summary>
/// Live's HTTP side: Icecast's metadata update for a source (<c>GET /admin/metadata?mode=updinfo&amp;mount=/live&amp;song=…</c>
/// with the source's Basic credentials), the live state (<c>GET /api/live</c>), and the hosts' and operators' actions.
/// </summary>
internal static class LiveEndpoints
{
    public static IEndpointRouteBuilder MapLive(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/admin/metadata", UpdateMetadataAsync);
        var api = endpoints.MapGroup("/api/live");
        api.MapGet("", (HttpContext context, LiveSources live) =>
            Results.Ok(live.Status(withSources: context.User.IsInRole(Roles.Host), withAddresses: context.User.IsInRole(Roles.Operator))));
        api.MapPost("/go-now", (LiveSources live) => live.Director.GoOnAirNow()
            ? Results.Ok(live.Status(true, false))
            : Results.Problem(statusCode: 409, title: "No host in standby.", detail: "Going on air now needs a host connected and waiting for the takeover."))
            .RequireAuthorization(AuthServiceCollectionExtensions.HostPolicy);
        api.MapPost("/end", (LiveSources live) => live.EndHost()
            ? Results.Ok(live.Status(true, false))
            : Results.Problem(statusCode: 409, title: "No host connected.", detail: "There is no host's source to end."))
            .RequireAuthorization(AuthServiceCollectionExtensions.HostPolicy);
        api.MapPost("/sources/{id}/end", EndSource).RequireAuthorization(AuthServiceCollectionExtensions.OperatorPolicy);
        return endpoints;
    }

    private static IResult EndSource(string id, int? blockMinutes, LiveSources live)
    {
        if (!long.TryParse(id, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var sourceId))
        {
            return Results.Problem(statusCode: 400, title: "Bad source id.", detail: $"'{id}' is not a source id (a number from GET /api/live).");
        }
        if (blockMinutes is < 1 or > 10_080)
        {
            return Results.Problem(statusCode: 400, title: "Bad blockMinutes.", detail: "blockMinutes must be between 1 and 10080 (a week).");
        }
        var block = blockMinutes is { } minutes ? TimeSpan.FromMinutes(minutes) : (TimeSpan?)null;
        return live.End(sourceId, block is null ? "ended by an operator" : $"ended by an operator, blocked for {blockMinutes} min", block)
            ? Results.Ok(live.Status(true, true))
            : Results.Problem(statusCode: 404, title: "No such source.", detail: $"Source {sourceId} is not connected.");
    }

    private static async Task<IResult> UpdateMetadataAsync(HttpContext context, LiveSources live)
    {
        var request = context.Request;
        var (user, password) = SourceRequest.BasicCredentials(request.Headers.Authorization.ToString());
        if (await live.AuthenticateAsync(user, password, context.Connection.RemoteIpAddress) is not { } account)
        {
            return Results.Text(IceResponse("Authentication required", 0), "text/xml", Encoding.UTF8, StatusCodes.Status401Unauthorized)
                .WithHeader("WWW-Authenticate", "Basic realm=\"RadioServer\"");
        }
        if (request.Query["mode"].ToString() != "updinfo")
        {
            return Results.Text(IceResponse("Unsupported mode (only updinfo)", 0), "text/xml", Encoding.UTF8, StatusCodes.Status400BadRequest);
        }
        var mount = request.Query["mount"].ToString();
        if (!live.IsSourceMount(mount) || !live.SetTitle(account, request.Query["song"].ToString()))
        {
            return Results.Text(IceResponse("Source does not exist", 0), "text/xml", Encoding.UTF8, StatusCodes.Status400BadRequest);
        }
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
