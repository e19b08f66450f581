using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection.Extensions;
using RadioServer.Station;
using RadioServer.Streaming.Connections;
using RadioServer.Streaming.Listeners;

namespace RadioServer.Streaming;

internal static class StreamingServiceCollectionExtensions
{
    public static IServiceCollection AddStreaming(this IServiceCollection services)
    {
        services.TryAddSingleton<BroadcastBuffer>();
        // The stream's section of the status (now playing, listeners, the mount) and its metrics.
        services.TryAddSingleton<StreamingReporter>();
        services.AddSingleton<IMetricSource>(sp => sp.GetRequiredService<StreamingReporter>());

        // Listeners: who they are, the one slow-listener rule, and the two ways their bytes are written.
        services.TryAddSingleton<ListenerRegistry>();
        services.TryAddSingleton<SlowListeners>();
        services.AddHostedService(sp => sp.GetRequiredService<SlowListeners>());
        services.TryAddSingleton<ListenerResponse>();
        services.TryAddSingleton<Broadcaster>();
        services.AddHostedService(sp => sp.GetRequiredService<Broadcaster>());
        services.TryAddSingleton<DirectHandover>();
        services.TryAddSingleton<PipeSender>();

        // Connections: the station's accept loop in front of Kestrel, and the kinds of connection it answers itself.
        services.TryAddSingleton<DescriptorBudget>();
        services.TryAddSingleton<WaitingConnections>();
        services.TryAddSingleton<Overflow>();
        services.AddSingleton<IMetricSource, ConnectionsReporter>();
        services.TryAddSingleton<DirectListeners>();
        services.AddSingleton<IDirectConnectionHandler>(sp => sp.GetRequiredService<DirectListeners>());
        // Registered after Kestrel's socket transport, so Kestrel picks it for TCP endpoints (the last that can bind).
        services.AddSingleton<IConnectionListenerFactory, StationTransportFactory>();
        services.AddHostedService<Warmup>();
        return services;
    }
}
