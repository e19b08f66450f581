using Microsoft.Extensions.DependencyInjection.Extensions;
using RadioServer.Station;

namespace RadioServer.Streaming;

// A file of its own only while Streaming is being rewritten elsewhere: these lines belong in AddStreaming.
internal static class StreamingReporterServiceCollectionExtensions
{
    /// <summary>The stream's section of the status and its metrics.</summary>
    public static IServiceCollection AddStreamingReporter(this IServiceCollection services)
    {
        services.TryAddSingleton<StreamingReporter>();
        services.AddSingleton<IMetricSource>(sp => sp.GetRequiredService<StreamingReporter>());
        return services;
    }
}
