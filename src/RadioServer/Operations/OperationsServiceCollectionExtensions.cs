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
        services.AddSingleton<OperatorsPublisher>();
        services.AddHostedService(sp => sp.GetRequiredService<OperatorsPublisher>());
        return services;
    }
}
