using Microsoft.Extensions.DependencyInjection.Extensions;
using RadioServer.Audio;
using RadioServer.Station;

namespace RadioServer.Scheduling;

internal static class SchedulingServiceCollectionExtensions
{
    public static IServiceCollection AddScheduling(this IServiceCollection services)
    {
        services.TryAddSingleton<ScheduleStore>();
        services.AddHostedService(sp => sp.GetRequiredService<ScheduleStore>());
        services.TryAddSingleton<IPlayoutSource, ScheduledPlayout>(); // the air chain's "what plays next"
        services.TryAddSingleton<ScheduleReporter>();
        services.AddSingleton<IMetricSource>(sp => sp.GetRequiredService<ScheduleReporter>());
        return services;
    }
}
