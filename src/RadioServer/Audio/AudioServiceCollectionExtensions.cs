using Microsoft.Extensions.DependencyInjection.Extensions;
using RadioServer.Station;

namespace RadioServer.Audio;

internal static class AudioServiceCollectionExtensions
{
    public static IServiceCollection AddAudio(this IServiceCollection services)
    {
        services.AddOptionsWithValidateOnStart<DeadAirOptions, DeadAirOptionsValidator>().BindConfiguration(DeadAirOptions.Section);
        services.AddOptionsWithValidateOnStart<SoundOptions, SoundOptionsValidator>().BindConfiguration(SoundOptions.Section);
        services.TryAddSingleton<DeadAirDetector>();
        services.TryAddSingleton<Loudness.OnAirMeter>();
        services.TryAddSingleton<IMp3EncoderFactory, LameMp3EncoderFactory>();
        services.TryAddSingleton<AirChain>();
        services.AddHostedService<AirChainDriver>();
        services.TryAddSingleton<AudioReporter>();
        services.AddSingleton<IMetricSource>(sp => sp.GetRequiredService<AudioReporter>());
        return services;
    }
}
