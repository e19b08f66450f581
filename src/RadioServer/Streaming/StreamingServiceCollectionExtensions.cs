using Microsoft.Extensions.DependencyInjection.Extensions;

namespace RadioServer.Streaming;

internal static class StreamingServiceCollectionExtensions
{
    public static IServiceCollection AddStreaming(this IServiceCollection services)
    {
        services.TryAddSingleton<BroadcastBuffer>();
        services.TryAddSingleton<ListenerRegistry>();
        services.AddHostedService(sp => sp.GetRequiredService<ListenerRegistry>());
        services.TryAddSingleton<Broadcaster>();
        services.AddHostedService(sp => sp.GetRequiredService<Broadcaster>());
        services.AddHostedService<Warmup>();
        return services;
    }
}
