using Microsoft.Extensions.DependencyInjection.Extensions;
using RadioServer.Audio;

namespace RadioServer.Library;

internal static class LibraryServiceCollectionExtensions
{
    public static IServiceCollection AddLibrary(this IServiceCollection services)
    {
        services.TryAddSingleton<MediaLibrary>();
        services.TryAddSingleton<IPlayoutSource, LibraryLoopPlayout>();
        services.AddHostedService<LibraryScanner>();
        return services;
    }
}
