using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace RadioServer.Station;

internal static class StationServiceCollectionExtensions
{
    public static IServiceCollection AddStation(this IServiceCollection services)
    {
        services.AddOptionsWithValidateOnStart<RadioOptions, RadioOptionsValidator>().BindConfiguration(RadioOptions.Section);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RadioOptions>, RadioOptionsCrossValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<StationPaths>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMetricSource, HubConnectionMetrics>());
        return services;
    }
}
