using Microsoft.Extensions.Options;
using RadioServer.Audio;
using RadioServer.Scheduling;
using RadioServer.Station;
using RadioServer.Streaming;

namespace RadioServer.NowPlaying;

/// <summary>Origins allowed to use the hub and the API from another site (<c>Radio:Cors:Origins</c>); none by default.</summary>
public sealed class CorsOptions
{
    public const string Section = "Radio:Cors";

    public string[] Origins { get; set; } = [];
}

internal static class NowPlayingServiceCollectionExtensions
{
    public static IServiceCollection AddNowPlaying(this IServiceCollection services)
    {
        services.AddSignalR();
        services.AddOptions<CorsOptions>().BindConfiguration(CorsOptions.Section);
        services.AddSingleton(sp => new StationSnapshot(
            sp.GetRequiredService<IOptions<RadioOptions>>(), sp.GetRequiredService<ScheduleStore>(), sp.GetRequiredService<BroadcastBuffer>(),
            sp.GetRequiredService<ListenerRegistry>(), sp.GetRequiredService<AirChain>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<HubPresence>();
        services.AddSingleton<IHubConnections>(sp => sp.GetRequiredService<HubPresence>());
        services.AddSingleton<NowPlayingPublisher>();
        services.AddHostedService(sp => sp.GetRequiredService<NowPlayingPublisher>());
        return services;
    }

    /// <summary>
    /// The hub at /hubs/radio. Browsers do not apply CORS to WebSockets, so cross-origin use of the hub and the
    /// API is refused here by the Origin header, unless the origin is configured.
    /// </summary>
    public static WebApplication MapNowPlaying(this WebApplication app)
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
        app.MapHub<RadioHub>("/hubs/radio");
        return app;
    }
}
