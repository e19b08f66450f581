namespace RadioServer.Station;

/// <summary>Every hub's connections added up (players on /hubs/radio, dashboards on /hubs/operators): one pair of metrics for all.</summary>
internal sealed class HubConnectionMetrics(IEnumerable<IHubConnections> hubs) : IMetricSource
{
    private readonly IHubConnections[] _hubs = [.. hubs];

    public void Describe(IMetricsBuilder metrics)
    {
        metrics.Gauge("radio_hub_connections", "SignalR hub connections now (players and dashboards).", () => _hubs.Sum(h => h.Connections));
        metrics.Counter("radio_hub_connects_total", "SignalR hub connections accepted.", () => _hubs.Sum(h => h.ConnectsTotal));
    }
}
