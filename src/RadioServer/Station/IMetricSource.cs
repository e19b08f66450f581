namespace RadioServer.Station;

/// <summary>
/// A feature's Prometheus metrics, declared by the feature that keeps the counts (registered as one of many
/// <c>IMetricSource</c>s); Operations' StationMetrics only exports them.
/// </summary>
internal interface IMetricSource
{
    void Describe(IMetricsBuilder metrics);
}
