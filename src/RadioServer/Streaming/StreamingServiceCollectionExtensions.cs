using Microsoft.AspNetCore.Connections;
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
        // Registered after Kestrel's socket transport, so Kestrel picks it for TCP endpoints (the last that can bind).
        services.TryAddSingleton<DirectListeners>();
        services.TryAddSingleton<DescriptorBudget>();
        services.AddSingleton<IConnectionListenerFactory, ListenerTransportFactory>();
        return services;
    }
}
