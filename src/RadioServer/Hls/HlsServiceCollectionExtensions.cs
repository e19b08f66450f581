using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using RadioServer.Station;

namespace RadioServer.Hls;

internal static class HlsServiceCollectionExtensions
{
    public static IServiceCollection AddHls(this IServiceCollection services)
    {
        services.AddOptionsWithValidateOnStart<HlsOptions, HlsOptionsValidator>().BindConfiguration(HlsOptions.Section);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HlsOptions>, HlsOptionsCrossValidator>());
        // One more reader of the broadcast buffer (it does nothing when Radio:Hls:Enabled is false).
        services.TryAddSingleton<HlsSegmenter>();
        services.AddHostedService(sp => sp.GetRequiredService<HlsSegmenter>());
        services.TryAddSingleton<HlsListeners>();
        services.TryAddSingleton<HlsReporter>();
        services.AddSingleton<IMetricSource>(sp => sp.GetRequiredService<HlsReporter>());
        return services;
    }
}
