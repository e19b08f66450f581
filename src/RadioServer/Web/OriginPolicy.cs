using Microsoft.Extensions.Options;

namespace RadioServer.Web;

/// <summary>
/// Browsers do not apply CORS to WebSockets, so cross-origin use of every hub (/hubs/...) and of the API
/// (/api/...) is refused here by the Origin header, unless the origin is configured; configured origins get
/// the CORS headers. The stream itself is for any site (its own Access-Control-Allow-Origin: *).
/// </summary>
internal static class OriginPolicy
{
    public static WebApplication UseOriginPolicy(this WebApplication app)
    {
        var allowed = app.Services.GetRequiredService<IOptions<CorsOptions>>().Value.Origins
            .Select(o => o.TrimEnd('/')).ToHashSet(StringComparer.OrdinalIgnoreCase);
        app.Use(async (context, next) =>
        {
            var path = context.Request.Path;
            if ((path.StartsWithSegments("/hubs") || path.StartsWithSegments("/api")) && context.Request.Headers.Origin.ToString() is { Length: > 0 } origin)
            {
                var own = $"{context.Request.Scheme}://{context.Request.Host}";
                if (!origin.Equals(own, StringComparison.OrdinalIgnoreCase) && !allowed.Contains(origin))
                {
                    await Results.Problem(statusCode: 403, title: "Cross-origin access refused.", detail: $"Origin {origin} is not in Radio:Cors:Origins.").ExecuteAsync(context);
                    return;
                }
                if (!origin.Equals(own, StringComparison.OrdinalIgnoreCase))
                {
                    context.Response.Headers.AccessControlAllowOrigin = origin;
                    context.Response.Headers.AccessControlAllowCredentials = "true";
                    context.Response.Headers.Vary = "Origin";
                    if (HttpMethods.IsOptions(context.Request.Method))
                    {
                        context.Response.Headers.AccessControlAllowMethods = "GET, POST, PUT, OPTIONS";
                        context.Response.Headers.AccessControlAllowHeaders = context.Request.Headers.AccessControlRequestHeaders.ToString() is { Length: > 0 } h ? h : "content-type, x-requested-with, x-signalr-user-agent, authorization, x-api-key";
                        context.Response.StatusCode = StatusCodes.Status204NoContent;
                        return;
                    }
                }
            }
            await next(context);
        });
        return app;
    }
}
