using RadioServer.Audio;
using RadioServer.Station;

namespace RadioServer.Live;

/// <summary>The live input's metrics.</summary>
internal sealed class LiveReporter(LiveSources live, AirChain chain) : IMetricSource
{
    private static readonly string[] s_refusals = ["credentials", "rateLimited", "slot", "disabled", "blocked", "inUse", "contentType", "bad"];

    public void Describe(IMetricsBuilder metrics)
    {
        metrics.Gauge("radio_live_on_air", "1 while a live source is on air.", () => chain.LiveOnAir ? 1 : 0);
        metrics.Gauge("radio_live_source_connected", "Live sources connected now (on air or in standby).", () => Connected());
        metrics.Counter("radio_live_source_connects_total", "Live sources accepted.", () => live.Connects);
        metrics.Counter(
            "radio_live_source_refusals_total",
            "Live sources refused, by reason.",
            "reason",
            s_refusals.Select(reason => (reason, (Func<double>)(() => live.Refusals.TryGetValue(reason, out var n) ? n : 0))));
        metrics.Counter("radio_live_seconds_total", "Seconds of live programme on air.", () => live.Director.LiveSeconds);
        metrics.Counter("radio_live_buffer_underruns_total", "Times the air chain found a live source's buffer empty.", () => live.Director.Underruns);
    }

    private int Connected()
    {
        var (master, host, _) = live.Director.Snapshot();
        return (master is { Disconnected: false } ? 1 : 0) + (host is { Disconnected: false } ? 1 : 0);
    }
}
