using Microsoft.Extensions.DependencyInjection.Extensions;
using RadioServer.Station;

namespace RadioServer.Library;

internal static class LibraryServiceCollectionExtensions
{
    public static IServiceCollection AddLibrary(this IServiceCollection services)
    {
        services.TryAddSingleton<MediaLibrary>();
        services.AddHostedService<LibraryScanner>();
        services.TryAddSingleton<LibraryReporter>();
        services.AddSingleton<IMetricSource>(sp => sp.GetRequiredService<LibraryReporter>());
        return services;
    }
}
