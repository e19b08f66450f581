using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
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
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LiveOptions>, LiveOptionsCrossValidator>());
        services.TryAddSingleton<IHostAccounts, NoHostAccounts>();
        services.TryAddSingleton<RecordingFiles>();
        services.TryAddSingleton<LiveRecorder>();
        services.TryAddSingleton<ILiveRecorder>(sp => sp.GetRequiredService<LiveRecorder>());
        services.AddHostedService(sp => sp.GetRequiredService<LiveRecorder>()); // stopped after the air chain: it finishes the open file
        services.AddSingleton<IMetricSource>(sp => sp.GetRequiredService<LiveRecorder>());
        services.TryAddSingleton<LiveSources>();
        services.AddSingleton<IDirectConnectionHandler>(sp => sp.GetRequiredService<LiveSources>());
        services.Replace(ServiceDescriptor.Singleton<ILiveFeed>(sp => sp.GetRequiredService<LiveSources>()));
        services.AddSingleton<IMetricSource, LiveReporter>();
        return services;
    }
}
