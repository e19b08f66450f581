using Microsoft.Extensions.Options;
using RadioServer.Station;
using RadioServer.Streaming.Listeners;

namespace RadioServer.Edges;

/// <summary>The edges section of the status, the station's listener total, and the edges' metrics, on an origin and on an edge alike.</summary>
internal sealed class EdgesReporter(IOptions<EdgeOptions> options, EdgeKeys keys, EdgeTable table, EdgeFeed feed, ListenerRegistry listeners, IServiceProvider services) : IMetricSource
{
    private readonly bool _edge = options.Value.IsEdge;

    private OriginRelay? Relay => _edge ? services.GetRequiredService<OriginRelay>() : null;

    private EdgeReporter? Reporter => _edge ? services.GetRequiredService<EdgeReporter>() : null;

    /// <summary>The station's listeners: on an origin its own plus its edges' reports; on an edge what the origin last said.</summary>
    public int StationListeners => Reporter is { } reporter ? reporter.StationListeners : table.StationListeners;

    /// <summary>On an edge: its origin away past the alarm time (true, with why) or back (false). Never raised on an origin.</summary>
    public event Action<bool, string>? HealthChanged
    {
        add
        {
            if (Relay is { } relay)
            {
                relay.HealthChanged += value;
            }
        }
        remove
        {
            if (Relay is { } relay)
            {
                relay.HealthChanged -= value;
            }
        }
    }

    public EdgesStatus Status()
    {
        if (Relay is { } relay && Reporter is { } reporter)
        {
            return new EdgesStatus("edge", reporter.StationListeners, listeners.Count, [], feed.Pulls, relay.Status(reporter.Reporting, reporter.StationListeners));
        }
        var fresh = table.Fresh();
        return new EdgesStatus(keys.TakesEdges ? "origin" : "single", listeners.Count + fresh.Sum(e => e.Listeners), listeners.Count, fresh, feed.Pulls, null);
    }

    public void Describe(IMetricsBuilder metrics)
    {
        metrics.Gauge("radio_station_listeners", "Listeners of the whole station: this node's, plus its edges' (on an origin) or as the origin last said (on an edge).", () => StationListeners);
        metrics.Gauge("radio_edge_pulls", "Edges pulling this node's stream now (not counted as listeners).", () => feed.Pulls);
        if (_edge)
        {
            metrics.Gauge("radio_origin_connected", "1 while this edge relays its origin's audio, 0 while it fills with silence.", () => Relay!.Connected ? 1 : 0);
            metrics.Gauge("radio_origin_outage_seconds", "How long the origin has been away (0 while connected).", () => Relay!.Status(false, 0).OutageSeconds);
            metrics.Counter("radio_origin_connects_total", "Times this edge (re)connected to its origin and got audio.", () => Relay!.Status(false, 0).Connects);
            metrics.Counter("radio_origin_silence_seconds_total", "Seconds of silence this edge sent in place of its origin's audio.", () => Relay!.Status(false, 0).SilenceSeconds);
        }
        else
        {
            metrics.Gauge("radio_edges", "Edges that reported in the last 10 s.", () => table.Fresh().Count);
            metrics.Gauge("radio_edge_listeners", "Listeners on each edge, as it last reported.", "edge", () => table.Fresh().Select(e => (e.Name, (double)e.Listeners)));
        }
    }
}
