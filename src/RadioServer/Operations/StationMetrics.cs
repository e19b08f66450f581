using Prometheus;
using RadioServer.Station;

namespace RadioServer.Operations;

/// <summary>
/// The station's Prometheus metrics (<c>GET /metrics</c>): what every feature declares as its
/// <see cref="IMetricSource"/>, in a registry of this app's own (no static state, so several stations in
/// one process, as in the tests, never mix). Every value is read from the part that already counts it when
/// Prometheus scrapes: nothing on the audio or listener paths changes.
/// </summary>
internal sealed class StationMetrics
{
    private readonly CollectorRegistry _registry;

    static StationMetrics() =>
        // prometheus-net's static default registry otherwise subscribes to every System.Diagnostics.Metrics
        // meter and EventCounter in the process (Kestrel's and ASP.NET Core's per-connection and per-request
        // instruments included): measured at ~0.7 ms of CPU per HTTP connection. We use our own registry only.
        Metrics.SuppressDefaultMetrics();

    public StationMetrics(IEnumerable<IMetricSource> sources)
    {
        _registry = Metrics.NewCustomRegistry();
        var metrics = new PrometheusMetricsBuilder(Metrics.WithCustomRegistry(_registry));
        foreach (var source in sources)
        {
            source.Describe(metrics);
        }
        _registry.AddBeforeCollectCallback(metrics.ReadAll);
        DotNetStats.Register(_registry);
    }

    public Task WriteAsync(Stream output, CancellationToken cancellationToken) => _registry.CollectAndExportAsTextAsync(output, cancellationToken);
}
