using Microsoft.Extensions.Options;
using RadioServer.Art;
using RadioServer.Audio;
using RadioServer.Live;
using RadioServer.Scheduling;
using RadioServer.Station;
using RadioServer.Streaming;
using RadioServer.Streaming.Listeners;

namespace RadioServer.NowPlaying;

internal static class NowPlayingServiceCollectionExtensions
{
    public static IServiceCollection AddNowPlaying(this IServiceCollection services)
    {
        services.AddSignalR();
        services.AddSingleton(sp => new StationSnapshot(
            sp.GetRequiredService<IOptions<RadioOptions>>(), sp.GetRequiredService<ScheduleStore>(), sp.GetRequiredService<BroadcastBuffer>(),
            sp.GetRequiredService<ListenerRegistry>(), sp.GetRequiredService<AirChain>(), sp.GetRequiredService<LiveSources>(),
            sp.GetRequiredService<CoverArt>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<HubPresence>();
        services.AddSingleton<IHubConnections>(sp => sp.GetRequiredService<HubPresence>());
        services.AddSingleton<NowPlayingPublisher>();
        services.AddHostedService(sp => sp.GetRequiredService<NowPlayingPublisher>());
        return services;
    }

    /// <summary>The players' hub at /hubs/radio (cross-origin use is refused by Web's Origin policy, as for every hub).</summary>
    public static WebApplication MapNowPlaying(this WebApplication app)
    {
        app.MapHub<RadioHub>("/hubs/radio");
        return app;
    }
}
