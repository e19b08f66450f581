using Microsoft.Extensions.DependencyInjection.Extensions;

namespace RadioServer.Hosting;

/// <summary>How the process treats its memory: the collection after a wave of connections (<c>Radio:Memory</c>).</summary>
internal static class HostingServiceCollectionExtensions
{
    public static IServiceCollection AddHosting(this IServiceCollection services)
    {
        services.AddOptionsWithValidateOnStart<MemoryOptions, MemoryOptionsValidator>().BindConfiguration(MemoryOptions.Section);
        services.TryAddSingleton<IHeapCollector, RuntimeHeapCollector>();
        services.AddSingleton<ConnectionWaveCollector>();
        services.AddHostedService(sp => sp.GetRequiredService<ConnectionWaveCollector>());
        return services;
    }
}
