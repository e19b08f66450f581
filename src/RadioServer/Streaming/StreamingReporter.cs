using Microsoft.Extensions.Options;
using RadioServer.Station;
using RadioServer.Streaming.Listeners;

namespace RadioServer.Streaming;

/// <summary>The stream's part of the status (what is playing, listeners, the mount) and its metrics.</summary>
internal sealed class StreamingReporter(IOptions<RadioOptions> options, BroadcastBuffer buffer, ListenerRegistry listeners) : IMetricSource
{
    private readonly RadioOptions _options = options.Value;

    /// <summary>
    /// NOW PLAYING, the listener counts and the mount, each read once, so within one report the mount's
    /// title is the track now playing and its listeners are the current count.
    /// </summary>
    public (TrackMessage? NowPlaying, ListenerStats Listeners, MountStatus Mount) Report(DateTimeOffset streamStart)
    {
        var current = listeners.Count;
        var peak = listeners.Peak;
        var track = buffer.CurrentTrack;
        var disconnects = Enum.GetValues<LeaveReason>().Select(r => new DisconnectCount(ReasonName(r), listeners.Leaves(r))).ToArray();
        return (
            track is null ? null : TrackMessage.From(track, _options.BitrateKbps),
            new ListenerStats(current, peak, listeners.TotalSessions, disconnects, listeners.BytesSent, listeners.Relays),
            new MountStatus(_options.MountPath, "audio/mpeg", _options.BitrateKbps, current, peak, track?.StreamTitle, streamStart));
    }

    public void Describe(IMetricsBuilder metrics)
    {
        metrics.Gauge("radio_listeners", "Listeners connected to the stream now (relays not included).", () => listeners.Count);
        metrics.Gauge("radio_relays", "Relays (an Icecast relaying the mount) connected to the stream now.", () => listeners.Relays);
        metrics.Gauge("radio_listeners_peak", "Most listeners connected at once since start.", () => listeners.Peak);
        metrics.Counter("radio_listener_connects_total", "Listener connections accepted.", () => listeners.TotalSessions);
        metrics.Counter("radio_listener_disconnects_total", "Listener connections ended, by reason.", "reason",
            Enum.GetValues<LeaveReason>().Select(r => (ReasonName(r), (Func<double>)(() => listeners.Leaves(r)))));
        metrics.Counter("radio_bytes_sent_total", "Bytes sent to listeners (audio and ICY metadata).", () => listeners.BytesSent);
    }

    /// <summary>A disconnect reason as the status and the metrics' label name it.</summary>
    internal static string ReasonName(LeaveReason reason) => reason switch
    {
        LeaveReason.ClientClosed => "clientClosed",
        LeaveReason.TooSlow => "tooSlow",
        LeaveReason.Error => "error",
        LeaveReason.Kicked => "kicked",
        LeaveReason.ServerStopping => "serverStopping",
        _ => reason.ToString(),
    };
}
