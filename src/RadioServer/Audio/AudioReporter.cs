using Microsoft.Extensions.Options;
using RadioServer.Audio.Loudness;
using RadioServer.Station;
using RadioServer.Streaming;

namespace RadioServer.Audio;

/// <summary>
/// The air chain's part of the status (encoder, dead air) and its metrics. Also counts the items that went on
/// air (the chain's TrackChanged, on the audio thread: an increment only).
/// </summary>
internal sealed class AudioReporter : IMetricSource, IDisposable
{
    // JSON has no -Infinity, Prometheus would take it but a chart would not: digital silence reads as -200 dBFS.
    private const double SilenceDbfs = -200;

    private readonly AirChain _chain;
    private readonly DeadAirDetector _deadAir;
    private readonly RadioOptions _options;
    private readonly bool _emergencyPlaylist;
    private readonly SoundOptions _sound;
    private long _trackChanges;

    public AudioReporter(AirChain chain, DeadAirDetector deadAir, IOptions<RadioOptions> options, IOptions<DeadAirOptions> deadAirOptions, IOptions<SoundOptions> sound)
    {
        _sound = sound.Value;
        _chain = chain;
        _deadAir = deadAir;
        _options = options.Value;
        _emergencyPlaylist = deadAirOptions.Value.EmergencyPlaylist.Length > 0;
        _chain.TrackChanged += OnTrackChanged;
    }

    public EncoderStatus Encoder() =>
        new(_chain.IsRunning, "mp3", _options.BitrateKbps, StationFormat.SampleRate, StationFormat.Channels, _options.EncoderQuality, _chain.FramesEncoded,
            Math.Round(_chain.SamplesProduced / (double)StationFormat.SampleRate, 3), Math.Round(_chain.Lag.TotalSeconds, 3), _chain.Underruns, Math.Round(Level(), 1));

    public DeadAirStatus DeadAir() =>
        new(_deadAir.Active, _deadAir.ThresholdDbfs, _deadAir.LimitSeconds, _deadAir.Alarms, Math.Round(_deadAir.DeadAirSeconds, 3), _emergencyPlaylist);

    /// <summary>The on-air loudness now (the meter after the limiter), null for silence.</summary>
    public LoudnessStatus Loudness()
    {
        var meter = _chain.Meter;
        return new LoudnessStatus(Round(meter.MomentaryLufs), Round(meter.ShortTermLufs), Round(meter.TruePeakDbtp), Round(meter.InputTruePeakDbtp),
            Math.Round(Math.Max(-100, meter.LimiterGainDb), 1) + 0.0, _sound.TargetLufs, _sound.TruePeakDbtp, Round(meter.ItemIntegratedLufs), Round(meter.ItemTruePeakDbtp),
            Math.Round(_chain.Limiter.DelaySamples * 1000.0 / StationFormat.SampleRate, 2));
    }

    public void Describe(IMetricsBuilder metrics)
    {
        var meter = _chain.Meter;
        metrics.Gauge("radio_loudness_momentary_lufs", "Momentary loudness (400 ms) of what goes to the encoder, LUFS (-200 for silence).", () => Metric(meter.MomentaryLufs));
        metrics.Gauge("radio_loudness_shortterm_lufs", "Short-term loudness (3 s) of what goes to the encoder, LUFS (-200 for silence).", () => Metric(meter.ShortTermLufs));
        metrics.Gauge("radio_true_peak_dbtp", "Highest true peak that went to the encoder in the last second, dBTP (-200 for silence).", () => Metric(meter.TruePeakDbtp));
        metrics.Gauge("radio_limiter_gain_reduction_db", "How far the true-peak limiter turned the programme down in the last 400 ms, dB (0 at rest).", () => Math.Min(100, -meter.LimiterGainDb) + 0.0);
        metrics.Gauge("radio_encoder_lag_seconds", "How far the air chain is behind real time.", () => _chain.Lag.TotalSeconds);
        metrics.Gauge("radio_encoder_running", "1 while the air chain is on air.", () => _chain.IsRunning ? 1 : 0);
        metrics.Counter("radio_encoder_frames_total", "MP3 frames encoded.", () => _chain.FramesEncoded);
        metrics.Counter("radio_encoder_underruns_total", "Times the air chain fell more than 5 s behind and restarted its clock.", () => _chain.Underruns);
        metrics.Gauge("radio_output_level_dbfs", "Output level of the last frame (RMS dBFS; -200 for digital silence).", Level);
        metrics.Counter("radio_dead_air_seconds_total", "Seconds of output in silent stretches that raised the dead-air alarm.", () => _deadAir.DeadAirSeconds);
        metrics.Counter("radio_dead_air_alarms_total", "Dead-air alarms raised.", () => _deadAir.Alarms);
        metrics.Gauge("radio_dead_air_active", "1 while the dead-air alarm holds.", () => _deadAir.Active ? 1 : 0);
        metrics.Counter("radio_track_changes_total", "Items that went on air.", () => Interlocked.Read(ref _trackChanges));
    }

    public void Dispose() => _chain.TrackChanged -= OnTrackChanged;

    private static double? Round(double value) => double.IsFinite(value) ? Math.Round(value, 1) : null;

    private static double Metric(double value) => double.IsFinite(value) ? Math.Max(SilenceDbfs, value) : SilenceDbfs;

    private double Level() => double.IsFinite(_deadAir.LevelDbfs) ? Math.Max(SilenceDbfs, _deadAir.LevelDbfs) : SilenceDbfs;

    private void OnTrackChanged(TrackMark mark) => Interlocked.Increment(ref _trackChanges);
}
