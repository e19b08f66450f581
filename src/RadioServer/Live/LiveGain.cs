using RadioServer.Audio;
using RadioServer.Audio.Loudness;

namespace RadioServer.Live;

/// <summary>
/// A live source's slow automatic gain towards the station's loudness target (<see cref="SoundOptions.TargetLufs"/>),
/// as a broadcast AGC rides a microphone: the source's own short-term loudness (3 s, libebur128) is read every 100 ms
/// and the gain moves towards target − loudness by at most <see cref="RiseDbPerSecond"/> up and
/// <see cref="FallDbPerSecond"/> down, within −<see cref="MaxCutDb"/> .. +<see cref="SoundOptions.MaxGainDb"/>. Below
/// <see cref="GateLufs"/> (a pause, a muted host, room noise) the gain holds, so silence is never pumped up. Applied
/// sample by sample as a ramp across each frame, so it never steps. Measured and applied whether the source is heard or
/// in standby: a host who goes on air is already at level. The air thread's own; one per source slot, reset when the
/// slot's source changes.
/// </summary>
internal sealed class LiveGain : IDisposable
{
    public const double GateLufs = -45;
    public const double RiseDbPerSecond = 0.5;
    public const double FallDbPerSecond = 2;
    public const double MaxCutDb = 20;
    private const int ReadEvery = StationFormat.SampleRate / 10;

    private readonly double _target;
    private readonly double _maxGain;
    private readonly bool _enabled;
    private LoudnessMeter? _meter;
    private object? _source;
    private int _sinceRead;
    private double _gainDb;
    private float _gain = 1;

    public LiveGain(SoundOptions options)
    {
        _target = options.TargetLufs;
        _maxGain = options.MaxGainDb;
        _enabled = options.LiveAutoGain;
    }

    /// <summary>The gain applied now, dB.</summary>
    public double GainDb => _gainDb;

    /// <summary>Brings <paramref name="frame"/> (interleaved station-format samples of <paramref name="source"/>, the slot's source now) towards the target.</summary>
    public void Apply(object? source, Span<float> frame)
    {
        if (!_enabled)
        {
            return;
        }
        if (!ReferenceEquals(source, _source))
        {
            // A new source starts at unity and finds its level in the first seconds.
            _source = source;
            _meter?.Dispose();
            _meter = source is null ? null : new LoudnessMeter(StationFormat.Channels, StationFormat.SampleRate, LoudnessMeasures.ShortTerm);
            _gainDb = 0;
            _gain = 1;
            _sinceRead = 0;
        }
        if (_meter is null || frame.IsEmpty)
        {
            return;
        }
        _meter.Add(frame);
        var frames = frame.Length / StationFormat.Channels;
        _sinceRead += frames;
        if (_sinceRead >= ReadEvery)
        {
            var seconds = _sinceRead / (double)StationFormat.SampleRate;
            _sinceRead = 0;
            var loudness = _meter.ShortTerm;
            if (loudness > GateLufs)
            {
                var wanted = Math.Clamp(_target - loudness, -MaxCutDb, _maxGain);
                _gainDb = wanted > _gainDb
                    ? Math.Min(wanted, _gainDb + (RiseDbPerSecond * seconds))
                    : Math.Max(wanted, _gainDb - (FallDbPerSecond * seconds));
            }
        }
        var from = _gain;
        var to = (float)Math.Pow(10, _gainDb / 20);
        if (from == 1 && to == 1)
        {
            return;
        }
        var step = (to - from) / frames;
        for (var i = 0; i < frames; i++)
        {
            var g = from + (step * (i + 1));
            frame[2 * i] *= g;
            frame[(2 * i) + 1] *= g;
        }
        _gain = to;
    }

    public void Dispose() => _meter?.Dispose();
}
