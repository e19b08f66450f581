using Microsoft.Extensions.DependencyInjection.Extensions;

namespace RadioServer.Relays;

internal static class RelaysServiceCollectionExtensions
{
    /// <summary>Icecast relays of the station: the stream list for master-server mode, with the relay credentials.</summary>
    public static IServiceCollection AddRelays(this IServiceCollection services)
    {
        services.AddOptionsWithValidateOnStart<RelayOptions, RelayOptionsValidator>().BindConfiguration(RelayOptions.Section);
        services.TryAddSingleton<StreamList>();
        return services;
    }
}
