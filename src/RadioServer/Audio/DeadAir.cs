using System.ComponentModel.DataAnnotations;
using System.Numerics;
using Microsoft.Extensions.Options;

namespace RadioServer.Audio;

/// <summary>Dead-air alarm settings (<c>Radio:DeadAir</c>).</summary>
public sealed class DeadAirOptions
{
    public const string Section = "Radio:DeadAir";

    /// <summary>Output level (RMS, dBFS) under which the air counts as silent. -50 dBFS by default.</summary>
    [Range(-120.0, -1.0)]
    public double ThresholdDbfs { get; set; } = -50;

    /// <summary>How long the output may stay under the threshold before the alarm is raised.</summary>
    [Range(1, 3600)]
    public double Seconds { get; set; } = 10;

    /// <summary>
    /// Files or folders under the media folder to play while the alarm holds (empty: none). The silent item
    /// is cut and the next item comes from this list; the schedule resumes after it.
    /// </summary>
    public string[] EmergencyPlaylist { get; set; } = [];
}

[OptionsValidator]
internal sealed partial class DeadAirOptionsValidator : IValidateOptions<DeadAirOptions>;

/// <summary>A dead-air alarm raised or cleared, in stream time (seconds since the station went on air) and wall time.</summary>
internal sealed record DeadAirEvent(bool Active, double StreamTime, DateTimeOffset At, double SilentSeconds, double LevelDbfs);

/// <summary>
/// Watches the air chain's output level frame by frame (on the audio thread: one pass over 2,304 floats,
/// no allocation) and raises the dead-air alarm when it stays under the threshold for the set time,
/// counted in stream time so it means the same in tests with a fake clock. Listeners subscribe to
/// <see cref="Changed"/> and must only enqueue: it is raised on the audio thread.
/// </summary>
internal sealed class DeadAirDetector
{
    private readonly double _thresholdMeanSquare;
    private readonly long _limitSamples;
    private long _silentSamples;
    private long _deadAirSamples;
    private long _alarms;
    private volatile bool _active;
    private double _levelDbfs = double.NegativeInfinity;

    public DeadAirDetector(IOptions<DeadAirOptions> options)
    {
        var o = options.Value;
        _thresholdMeanSquare = Math.Pow(10, o.ThresholdDbfs / 10);
        _limitSamples = (long)Math.Ceiling(o.Seconds * StationFormat.SampleRate);
        ThresholdDbfs = o.ThresholdDbfs;
        LimitSeconds = o.Seconds;
    }

    /// <summary>Raised on the audio thread when the alarm is raised or cleared.</summary>
    public event Action<DeadAirEvent>? Changed;

    public double ThresholdDbfs { get; }

    public double LimitSeconds { get; }

    public bool Active => _active;

    /// <summary>Alarms raised since start.</summary>
    public long Alarms => Interlocked.Read(ref _alarms);

    /// <summary>Seconds of air spent in silent stretches that raised the alarm (the stretch counted from its start).</summary>
    public double DeadAirSeconds => Interlocked.Read(ref _deadAirSamples) / (double)StationFormat.SampleRate;

    /// <summary>The level of the last frame (RMS dBFS).</summary>
    public double LevelDbfs => Volatile.Read(ref _levelDbfs);

    /// <summary>One frame of interleaved stereo output, starting at <paramref name="position"/> samples into the stream.</summary>
    public void Observe(ReadOnlySpan<float> interleaved, long position, TimeProvider time)
    {
        var meanSquare = MeanSquare(interleaved);
        Volatile.Write(ref _levelDbfs, meanSquare <= 0 ? double.NegativeInfinity : 10 * Math.Log10(meanSquare));
        var frameSamples = interleaved.Length / StationFormat.Channels;
        if (meanSquare < _thresholdMeanSquare)
        {
            _silentSamples += frameSamples;
            if (_active)
            {
                Interlocked.Add(ref _deadAirSamples, frameSamples);
            }
            else if (_silentSamples >= _limitSamples)
            {
                _active = true;
                Interlocked.Increment(ref _alarms);
                Interlocked.Add(ref _deadAirSamples, _silentSamples);
                Changed?.Invoke(new DeadAirEvent(true, Seconds(position + frameSamples), time.GetUtcNow(), _silentSamples / (double)StationFormat.SampleRate, LevelDbfs));
            }
            return;
        }
        var silent = _silentSamples;
        _silentSamples = 0;
        if (_active)
        {
            _active = false;
            Changed?.Invoke(new DeadAirEvent(false, Seconds(position), time.GetUtcNow(), silent / (double)StationFormat.SampleRate, LevelDbfs));
        }
    }

    private static double Seconds(long samples) => samples / (double)StationFormat.SampleRate;

    private static double MeanSquare(ReadOnlySpan<float> samples)
    {
        var sum = Vector<float>.Zero;
        var i = 0;
        for (; i <= samples.Length - Vector<float>.Count; i += Vector<float>.Count)
        {
            var v = new Vector<float>(samples[i..]);
            sum += v * v;
        }
        double total = Vector.Sum(sum);
        for (; i < samples.Length; i++)
        {
            total += samples[i] * samples[i];
        }
        return samples.IsEmpty ? 0 : total / samples.Length;
    }
}
