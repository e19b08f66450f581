using Prometheus;
using RadioServer.Audio;
using RadioServer.Library;
using RadioServer.NowPlaying;
using RadioServer.Scheduling;
using RadioServer.Streaming;

namespace RadioServer.Operations;

/// <summary>
/// The station's Prometheus metrics (<c>GET /metrics</c>), in a registry of this app's own (no static
/// state, so several stations in one process, as in the tests, never mix). Every value is read from the
/// part that already counts it when Prometheus scrapes: nothing on the audio or listener paths changes.
/// Labels are fixed sets (disconnect reasons), so no label can grow with listeners.
/// </summary>
internal sealed class StationMetrics
{
    private readonly CollectorRegistry _registry;

    static StationMetrics() =>
        // prometheus-net's static default registry otherwise subscribes to every System.Diagnostics.Metrics
        // meter and EventCounter in the process (Kestrel's and ASP.NET Core's per-connection and per-request
        // instruments included): measured at ~0.7 ms of CPU per HTTP connection. We use our own registry only.
        Metrics.SuppressDefaultMetrics();

    public StationMetrics(AirChain chain, DeadAirDetector deadAir, ListenerRegistry listeners, ScheduleStore schedule, MediaLibrary library, HubPresence hub, OperatorsPresence operators, PlayHistory history, TrackCounter tracks)
    {
        _registry = Metrics.NewCustomRegistry();
        var f = Metrics.WithCustomRegistry(_registry);
        var listenersNow = f.CreateGauge("radio_listeners", "Listeners connected to the stream now.");
        var peak = f.CreateGauge("radio_listeners_peak", "Most listeners connected at once since start.");
        var connects = f.CreateCounter("radio_listener_connects_total", "Listener connections accepted.");
        var disconnects = f.CreateCounter("radio_listener_disconnects_total", "Listener connections ended, by reason.", "reason");
        var bytes = f.CreateCounter("radio_bytes_sent_total", "Bytes sent to listeners (audio and ICY metadata).");
        var lag = f.CreateGauge("radio_encoder_lag_seconds", "How far the air chain is behind real time.");
        var running = f.CreateGauge("radio_encoder_running", "1 while the air chain is on air.");
        var frames = f.CreateCounter("radio_encoder_frames_total", "MP3 frames encoded.");
        var underruns = f.CreateCounter("radio_encoder_underruns_total", "Times the air chain fell more than 5 s behind and restarted its clock.");
        var level = f.CreateGauge("radio_output_level_dbfs", "Output level of the last frame (RMS dBFS; -200 for digital silence).");
        var deadAirSeconds = f.CreateCounter("radio_dead_air_seconds_total", "Seconds of output in silent stretches that raised the dead-air alarm.");
        var deadAirAlarms = f.CreateCounter("radio_dead_air_alarms_total", "Dead-air alarms raised.");
        var deadAirActive = f.CreateGauge("radio_dead_air_active", "1 while the dead-air alarm holds.");
        var trackChanges = f.CreateCounter("radio_track_changes_total", "Items that went on air.");
        var reloads = f.CreateCounter("radio_schedule_reloads_total", "Schedules put in force (file or host API).");
        var scheduleErrors = f.CreateCounter("radio_schedule_errors_total", "Schedules refused as invalid.");
        var hubConnections = f.CreateGauge("radio_hub_connections", "SignalR hub connections now (players and dashboards).");
        var hubConnects = f.CreateCounter("radio_hub_connects_total", "SignalR hub connections accepted.");
        var libraryTracks = f.CreateGauge("radio_library_tracks", "Playable tracks in the media library.");
        var librarySkipped = f.CreateGauge("radio_library_skipped_files", "Media files skipped as unreadable.");
        var historyErrors = f.CreateCounter("radio_history_write_errors_total", "Failed attempts to write the play history.");
        var historyPending = f.CreateGauge("radio_history_pending", "Plays waiting in memory for the history database.");
        var reasons = Enum.GetValues<LeaveReason>().Select(r => (r, disconnects.WithLabels(StationStatus.ReasonName(r)))).ToArray();
        _registry.AddBeforeCollectCallback(() =>
        {
            listenersNow.Set(listeners.Count);
            peak.Set(listeners.Peak);
            connects.IncTo(listeners.TotalSessions);
            foreach (var (reason, counter) in reasons)
            {
                counter.IncTo(listeners.Leaves(reason));
            }
            bytes.IncTo(listeners.BytesSent);
            lag.Set(chain.Lag.TotalSeconds);
            running.Set(chain.IsRunning ? 1 : 0);
            frames.IncTo(chain.FramesEncoded);
            underruns.IncTo(chain.Underruns);
            level.Set(double.IsFinite(deadAir.LevelDbfs) ? Math.Max(-200, deadAir.LevelDbfs) : -200);
            deadAirSeconds.IncTo(deadAir.DeadAirSeconds);
            deadAirAlarms.IncTo(deadAir.Alarms);
            deadAirActive.Set(deadAir.Active ? 1 : 0);
            trackChanges.IncTo(tracks.Count);
            reloads.IncTo(schedule.Reloads);
            scheduleErrors.IncTo(schedule.Errors);
            hubConnections.Set(hub.Connections + operators.Connections);
            hubConnects.IncTo(hub.ConnectsTotal + operators.ConnectsTotal);
            libraryTracks.Set(library.Tracks.Length);
            librarySkipped.Set(library.SkippedFiles);
            historyErrors.IncTo(history.WriteErrors);
            historyPending.Set(history.Pending);
        });
        DotNetStats.Register(_registry);
    }

    public Task WriteAsync(Stream output, CancellationToken cancellationToken) => _registry.CollectAndExportAsTextAsync(output, cancellationToken);
}

/// <summary>Counts items going on air (the air chain's TrackChanged; the audio thread only increments).</summary>
internal sealed class TrackCounter : IDisposable
{
    private readonly AirChain _chain;
    private long _count;

    public TrackCounter(AirChain chain)
    {
        _chain = chain;
        _chain.TrackChanged += OnTrackChanged;
    }

    public long Count => Interlocked.Read(ref _count);

    private void OnTrackChanged(TrackMark mark) => Interlocked.Increment(ref _count);

    public void Dispose() => _chain.TrackChanged -= OnTrackChanged;
}
