using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace RadioServer.Operations;

internal static class OperationsServiceCollectionExtensions
{
    public static IServiceCollection AddOperations(this IServiceCollection services)
    {
        services.AddOptions<OperationsOptions>().BindConfiguration(OperationsOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<OperationsOptions>, OperationsOptionsValidator>();
        services.AddSingleton<AlarmLog>();
        services.AddSingleton<TrackCounter>();
        services.AddSingleton<PlayHistory>();
        services.AddHostedService(sp => sp.GetRequiredService<PlayHistory>());
        services.AddSingleton<StationStatus>();
        services.AddSingleton(sp => new OperatorDesk(sp.GetRequiredService<StationStatus>(), sp.GetRequiredService<PlayHistory>()));
        services.AddSingleton<StationMetrics>();
        services.AddSingleton<OperatorsPresence>();
        services.AddSingleton<OperatorsPublisher>();
        services.AddHostedService(sp => sp.GetRequiredService<OperatorsPublisher>());
        services.AddOptions<MemoryOptions>().BindConfiguration(MemoryOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<MemoryOptions>, MemoryOptionsValidator>();
        services.TryAddSingleton<IHeapCollector, RuntimeHeapCollector>();
        services.AddSingleton<ConnectionWaveCollector>();
        services.AddHostedService(sp => sp.GetRequiredService<ConnectionWaveCollector>());
        return services;
    }
}
