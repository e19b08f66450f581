using RadioServer.Audio.Interop;

namespace RadioServer.Audio.Loudness;

/// <summary>
/// EBU R128 / ITU-R BS.1770-4 loudness of interleaved float audio, by libebur128: integrated loudness, loudness
/// range, momentary (400 ms), short-term (3 s) and a window of your choice, sample and true peak (libebur128
/// oversamples 4x at 44.1/48 kHz). Not thread-safe: one owner feeds and reads it. Silence reads as
/// <see cref="double.NegativeInfinity"/>.
/// </summary>
internal sealed class LoudnessMeter : IDisposable
{
    private readonly SafeEbur128Handle _state;

    public LoudnessMeter(int channels, int sampleRate, LoudnessMeasures measures, TimeSpan? maxWindow = null)
    {
        Channels = channels;
        SampleRate = sampleRate;
        var mode = Ebur128Interop.ModeM;
        if (measures.HasFlag(LoudnessMeasures.ShortTerm)) mode |= Ebur128Interop.ModeS;
        if (measures.HasFlag(LoudnessMeasures.Integrated)) mode |= Ebur128Interop.ModeI;
        if (measures.HasFlag(LoudnessMeasures.Range)) mode |= Ebur128Interop.ModeLra;
        if (measures.HasFlag(LoudnessMeasures.SamplePeak)) mode |= Ebur128Interop.ModeSamplePeak;
        if (measures.HasFlag(LoudnessMeasures.TruePeak)) mode |= Ebur128Interop.ModeTruePeak;
        if (measures.HasFlag(LoudnessMeasures.Histogram)) mode |= Ebur128Interop.ModeHistogram;
        _state = Ebur128Interop.Init((uint)channels, (nuint)sampleRate, mode);
        if (_state.IsInvalid)
        {
            throw new InvalidOperationException($"libebur128 could not make a meter for {channels} channels at {sampleRate} Hz.");
        }
        if (maxWindow is { } window)
        {
            Check(Ebur128Interop.SetMaxWindow(_state, (nuint)window.TotalMilliseconds), "set_max_window");
        }
    }

    public int Channels { get; }

    public int SampleRate { get; }

    /// <summary>Adds interleaved samples (a whole number of frames).</summary>
    public unsafe void Add(ReadOnlySpan<float> interleaved)
    {
        var frames = interleaved.Length / Channels;
        if (frames == 0)
        {
            return;
        }
        fixed (float* p = interleaved)
        {
            Check(Ebur128Interop.AddFramesFloat(_state, p, (nuint)frames), "add_frames_float");
        }
    }

    /// <summary>Integrated (gated) loudness since the start, LUFS.</summary>
    public double Integrated => Read(Ebur128Interop.LoudnessGlobal(_state, out var v), v);

    /// <summary>Loudness range, LU.</summary>
    public double Range => Read(Ebur128Interop.LoudnessRange(_state, out var v), v);

    /// <summary>Momentary loudness (the last 400 ms), LUFS.</summary>
    public double Momentary => Read(Ebur128Interop.LoudnessMomentary(_state, out var v), v);

    /// <summary>Short-term loudness (the last 3 s), LUFS.</summary>
    public double ShortTerm => Read(Ebur128Interop.LoudnessShortTerm(_state, out var v), v);

    /// <summary>Loudness of the last <paramref name="window"/> (up to the max window given at construction; 3 s without one).</summary>
    public double Window(TimeSpan window) => Read(Ebur128Interop.LoudnessWindow(_state, (nuint)window.TotalMilliseconds, out var v), v);

    /// <summary>Highest true peak over all channels since the start, dBTP.</summary>
    public double TruePeakDb => ToDb(MaxOverChannels(static (s, c) => (Ebur128Interop.TruePeak(s, c, out var v), v)));

    /// <summary>Highest true peak over all channels in the last <see cref="Add"/>, dBTP.</summary>
    public double LastTruePeakDb => ToDb(MaxOverChannels(static (s, c) => (Ebur128Interop.PreviousTruePeak(s, c, out var v), v)));

    /// <summary>Highest sample peak over all channels since the start, dBFS.</summary>
    public double SamplePeakDb => ToDb(MaxOverChannels(static (s, c) => (Ebur128Interop.SamplePeak(s, c, out var v), v)));

    public void Dispose() => _state.Dispose();

    public static double ToDb(double linear) => linear > 0 ? 20 * Math.Log10(linear) : double.NegativeInfinity;

    private double MaxOverChannels(Func<SafeEbur128Handle, uint, (int Result, double Value)> read)
    {
        var max = 0.0;
        for (var c = 0u; c < Channels; c++)
        {
            var (result, value) = read(_state, c);
            max = Math.Max(max, Read(result, value));
        }
        return max;
    }

    private static double Read(int result, double value) =>
        result == Ebur128Interop.Success ? value : throw new InvalidOperationException($"libebur128 failed ({result}): the measure was not asked for at construction.");

    private static void Check(int result, string call)
    {
        if (result != Ebur128Interop.Success)
        {
            throw new InvalidOperationException($"libebur128 {call} failed ({result}).");
        }
    }
}

/// <summary>What a <see cref="LoudnessMeter"/> measures (momentary loudness always); each costs a little more.</summary>
[Flags]
internal enum LoudnessMeasures
{
    Momentary = 0,
    ShortTerm = 1,
    Integrated = 2,
    Range = 4,
    SamplePeak = 8,
    TruePeak = 16,
    /// <summary>Histogram-based integration: constant memory however long the programme (for hours of air).</summary>
    Histogram = 32,
}
