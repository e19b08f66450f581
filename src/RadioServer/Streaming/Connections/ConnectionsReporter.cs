using RadioServer.Station;

namespace RadioServer.Streaming.Connections;

/// <summary>The accept loop's metrics: connections held against the open-file budget, and what was refused or closed before its request.</summary>
internal sealed class ConnectionsReporter(DescriptorBudget budget, WaitingConnections waiting) : IMetricSource
{
    public void Describe(IMetricsBuilder metrics)
    {
        metrics.Gauge("radio_connections", "Connections holding a place in the open-file budget (listeners, pages, hub, API).", () => budget.Connections);
        metrics.Gauge("radio_connections_capacity", "The most connections the open-file limit allows now (-1: no limit).", () => budget.Capacity == long.MaxValue ? -1 : budget.Capacity);
        metrics.Gauge("radio_connections_waiting", "Connections accepted whose request head has not arrived whole yet.", () => waiting.Count);
        metrics.Counter("radio_connections_refused_total", "Connections answered and closed at once, by reason: the open-file budget was full (503), or their address had too many waiting (429).", "reason",
        [
            ("full", () => budget.Refused),
            ("address", () => waiting.Refused),
        ]);
        metrics.Counter("radio_connections_closed_waiting_total", "Connections closed before their request head arrived, by reason: too slow, or gave way to one with its request at hand while the budget was full.", "reason",
        [
            ("timeout", () => waiting.TimedOut),
            ("gaveWay", () => waiting.Evicted),
        ]);
    }
}
