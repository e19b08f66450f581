using RadioServer.Audio;
using RadioServer.Station;

namespace RadioServer.Live;

/// <summary>The live input's metrics.</summary>
internal sealed class LiveReporter(LiveSources live, AirChain chain) : IMetricSource
{
    public void Describe(IMetricsBuilder metrics)
    {
        metrics.Gauge("radio_live_on_air", "1 while a live source is on air.", () => chain.LiveOnAir ? 1 : 0);
        metrics.Gauge("radio_live_source_connected", "1 while a live source is connected (on air or not).", () => live.Current is null ? 0 : 1);
        metrics.Counter("radio_live_source_connects_total", "Live sources accepted.", () => live.Connects);
        metrics.Counter("radio_live_source_refusals_total", "Live sources refused (credentials, mount in use, format, bad request).", () => live.Refused);
        metrics.Counter("radio_live_buffer_underruns_total", "Times the air chain found the live source's buffer empty.", () => live.Buffer.Underruns);
    }
}
