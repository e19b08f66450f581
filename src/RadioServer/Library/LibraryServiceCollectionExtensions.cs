using Microsoft.Extensions.DependencyInjection.Extensions;
using RadioServer.Library.Analysis;
using RadioServer.Station;

namespace RadioServer.Library;

internal static class LibraryServiceCollectionExtensions
{
    public static IServiceCollection AddLibrary(this IServiceCollection services)
    {
        services.TryAddSingleton<MediaLibrary>();
        services.AddHostedService<LibraryScanner>();
        // After the scanner: its first scan is done when the analysis starts.
        services.TryAddSingleton<LibraryAnalysis>();
        services.TryAddSingleton<ITrackSounds>(sp => sp.GetRequiredService<LibraryAnalysis>());
        services.AddHostedService(sp => sp.GetRequiredService<LibraryAnalysis>());
        services.TryAddSingleton<LibraryReporter>();
        services.AddSingleton<IMetricSource>(sp => sp.GetRequiredService<LibraryReporter>());
        return services;
    }
}
