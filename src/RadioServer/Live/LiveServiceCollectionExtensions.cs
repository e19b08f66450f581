using Microsoft.Extensions.DependencyInjection.Extensions;
using RadioServer.Audio;
using RadioServer.Live.Accounts;
using RadioServer.Live.Recording;
using RadioServer.Station;
using RadioServer.Streaming.Connections;

namespace RadioServer.Live;

internal static class LiveServiceCollectionExtensions
{
    /// <summary>Live sources on the station's port, fed to the air chain. Registered before the players' handler: a source's PUT/SOURCE is never a player's GET anyway.</summary>
    public static IServiceCollection AddLive(this IServiceCollection services)
    {
        services.AddOptionsWithValidateOnStart<LiveOptions, LiveOptionsValidator>().BindConfiguration(LiveOptions.Section);
        // Hosts' own source passwords, in the station's database; operators manage them (HostAccountEndpoints).
        services.TryAddSingleton<HostAccountStore>();
        services.Replace(ServiceDescriptor.Singleton<IHostAccounts>(sp => sp.GetRequiredService<HostAccountStore>()));
        services.TryAddSingleton<ILiveRecorder>(NoLiveRecorder.Instance);
        services.TryAddSingleton<LiveSources>();
        services.AddSingleton<IDirectConnectionHandler>(sp => sp.GetRequiredService<LiveSources>());
        services.Replace(ServiceDescriptor.Singleton<ILiveFeed>(sp => sp.GetRequiredService<LiveSources>()));
        services.AddSingleton<IMetricSource, LiveReporter>();
        return services;
    }
}
