using NAudio.Wave;
using RadioServer.Audio.Decoding;
using RadioServer.Audio.Loudness;

namespace RadioServer.Library.Analysis;

/// <summary>
/// Measures one track: decodes it as the air chain does (<see cref="TrackDecoder"/>, station format) 100 ms at a time
/// into libebur128 — integrated loudness, loudness range, true peak, histogram mode so the meter's memory is constant
/// however long the file — and keeps the momentary loudness after every block (4 bytes per 100 ms: 1.4 MB for a
/// 10-hour file) for the cue points, which need the integrated loudness known only at the end.
/// </summary>
internal static class LoudnessAnalyser
{
    /// <summary>
    /// The analysis' version: a cached result of another version is redone. Raise it whenever what the analysis yields
    /// changes (the thresholds, the decoder's gapless trim moving the time base, ...).
    /// </summary>
    public const int Version = 1;

    /// <summary>The track's sound; throws (IOException, InvalidDataException, FormatException, ...) when it cannot be decoded.</summary>
    public static TrackSound Analyse(string path, CancellationToken cancellationToken) => Analyse(path, out _, cancellationToken);

    /// <summary>As <see cref="Analyse(string, CancellationToken)"/>, also giving how much audio was decoded.</summary>
    public static TrackSound Analyse(string path, out TimeSpan duration, CancellationToken cancellationToken)
    {
        using var track = TrackDecoder.Open(path);
        return Analyse(track.Samples, out duration, cancellationToken);
    }

    public static TrackSound Analyse(ISampleProvider samples, out TimeSpan duration, CancellationToken cancellationToken)
    {
        var channels = samples.WaveFormat.Channels;
        var rate = samples.WaveFormat.SampleRate;
        using var meter = new LoudnessMeter(channels, rate,
            LoudnessMeasures.Integrated | LoudnessMeasures.Range | LoudnessMeasures.TruePeak | LoudnessMeasures.Histogram);
        var block = new float[rate / 10 * channels];
        var momentary = new MomentarySeries();
        long frames = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var filled = Fill(samples, block);
            var whole = filled - (filled % channels);
            if (whole == 0)
            {
                break;
            }
            meter.Add(block.AsSpan(0, whole));
            frames += whole / channels;
            momentary.Add((float)meter.Momentary);
            if (filled < block.Length)
            {
                break;
            }
        }
        if (frames == 0)
        {
            throw new InvalidDataException("No audio could be decoded.");
        }
        duration = TimeSpan.FromSeconds(frames / (double)rate);
        var integrated = meter.Integrated;
        var range = meter.Range;
        var cues = CuePoints.Compute(momentary.Values, integrated, duration);
        return new TrackSound(
            double.IsFinite(integrated) ? Math.Round(integrated, 2) : double.NegativeInfinity,
            double.IsFinite(range) ? Math.Round(range, 2) : 0,
            Math.Round(meter.TruePeakDb, 2),
            cues.CueIn,
            cues.CueOut,
            cues.FadeOutStart,
            cues.StartLufs,
            cues.EndLufs,
            TrackSoundSource.Analysis);
    }

    /// <summary>Reads until <paramref name="block"/> is full or the source ends (a provider may return less than asked before its end).</summary>
    private static int Fill(ISampleProvider samples, float[] block)
    {
        var filled = 0;
        while (filled < block.Length)
        {
            var read = samples.Read(block.AsSpan(filled));
            if (read <= 0)
            {
                break;
            }
            filled += read;
        }
        return filled;
    }

    /// <summary>A growing list of floats that never copies more than it must (doubling, like List, without boxing the span).</summary>
    private sealed class MomentarySeries
    {
        private float[] _values = new float[64 * 10 * 6]; // 6.4 minutes before the first growth
        private int _count;

        public ReadOnlySpan<float> Values => _values.AsSpan(0, _count);

        public void Add(float value)
        {
            if (_count == _values.Length)
            {
                Array.Resize(ref _values, _values.Length * 2);
            }
            _values[_count++] = value;
        }
    }
}
