using Microsoft.Extensions.DependencyInjection.Extensions;

namespace RadioServer.Library;

internal static class LibraryServiceCollectionExtensions
{
    public static IServiceCollection AddLibrary(this IServiceCollection services)
    {
        services.TryAddSingleton<MediaLibrary>();
        services.AddHostedService<LibraryScanner>();
        return services;
    }
}
