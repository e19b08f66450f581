using Microsoft.Extensions.Options;
using RadioServer.Station;

namespace RadioServer.Hls;

/// <summary>The HLS part of the status and its metrics; the endpoints count requests here.</summary>
internal sealed class HlsReporter(IOptions<HlsOptions> options, HlsSegmenter segmenter, HlsListeners listeners) : IMetricSource
{
    public const string PlaylistPath = "/hls/live.m3u8";

    private readonly HlsOptions _options = options.Value;
    private long _playlistRequests;
    private long _segmentRequests;
    private long _segmentMisses;

    public void PlaylistServed() => Interlocked.Increment(ref _playlistRequests);

    public void SegmentServed() => Interlocked.Increment(ref _segmentRequests);

    public void SegmentMissed() => Interlocked.Increment(ref _segmentMisses);

    public HlsStatus Status()
    {
        var window = segmenter.Window;
        return new HlsStatus(_options.Enabled, PlaylistPath, listeners.Count, listeners.Peak, window.MediaSequence, window.PlaylistCount,
            Math.Round(_options.SegmentDuration, 3), _options.TargetDuration, Interlocked.Read(ref _playlistRequests),
            Interlocked.Read(ref _segmentRequests), Interlocked.Read(ref _segmentMisses));
    }

    public void Describe(IMetricsBuilder metrics)
    {
        metrics.Gauge("radio_hls_listeners", "HLS clients (address and User-Agent) that fetched the playlist within the last two segment lengths.", () => listeners.Count);
        metrics.Gauge("radio_hls_listeners_peak", "Most HLS clients counted at once since start.", () => listeners.Peak);
        metrics.Counter("radio_hls_playlist_requests_total", "Requests for /hls/live.m3u8 answered.", () => Interlocked.Read(ref _playlistRequests));
        metrics.Counter("radio_hls_segment_requests_total", "HLS segments served.", () => Interlocked.Read(ref _segmentRequests));
        metrics.Counter("radio_hls_segment_misses_total", "Requests for a segment not (or no longer) served: 404.", () => Interlocked.Read(ref _segmentMisses));
        metrics.Counter("radio_hls_segments_total", "HLS segments cut from the stream.", () => segmenter.SegmentsMade);
    }
}
