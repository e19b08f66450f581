using RadioServer.Station;

namespace RadioServer.Operations;

internal static class OperationsServiceCollectionExtensions
{
    public static IServiceCollection AddOperations(this IServiceCollection services)
    {
        services.AddOptionsWithValidateOnStart<OperationsOptions, OperationsOptionsValidator>().BindConfiguration(OperationsOptions.Section);
        services.AddSingleton<AlarmLog>();
        services.AddSingleton<PlayHistory>();
        services.AddHostedService(sp => sp.GetRequiredService<PlayHistory>());
        services.AddSingleton<IMetricSource>(sp => sp.GetRequiredService<PlayHistory>());
        services.AddSingleton<StationStatus>();
        services.AddSingleton<ListenerTable>();
        services.AddSingleton(sp => new OperatorDesk(sp.GetRequiredService<StationStatus>(), sp.GetRequiredService<ListenerTable>(), sp.GetRequiredService<PlayHistory>()));
        services.AddSingleton<StationMetrics>();
        services.AddSingleton(sp => new OperatorsPresence(sp.GetRequiredService<RadioServer.Backplane.RedisBackplane>()));
        services.AddSingleton<IHubConnections>(sp => sp.GetRequiredService<OperatorsPresence>());
        services.AddSingleton<OperatorsPublisher>();
        services.AddHostedService(sp => sp.GetRequiredService<OperatorsPublisher>());
        services.AddHostedService<LoudnessPublisher>();
        return services;
    }
}
