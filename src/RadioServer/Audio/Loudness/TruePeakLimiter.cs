using System.Numerics;

namespace RadioServer.Audio.Loudness;

/// <summary>
/// The true-peak limiter in front of the encoder: stereo interleaved float, in place, on the air chain's thread, no
/// allocation per call. The input is delayed by <see cref="DelaySamples"/> (3 ms of look-ahead plus the detector's
/// 5 samples: 137 at 44.1 kHz, constant), so the gain reaches what a peak needs by the time that peak leaves the
/// delay line. True peaks are found as ITU-R BS.1770-4 Annex 2 finds them: 4x oversampling by a polyphase FIR
/// interpolator (a Hann-windowed sinc, 3 phases between the samples x 12 taps), stereo-linked. The gain computer:
/// the gain each detected peak needs, a minimum held over the look-ahead, an instant attack and an exponential
/// release (200 ms), then two moving averages that spread the attack over the look-ahead as a smooth S-curve
/// (no step, no click). Below the ceiling the gain is exactly 1.0 and the output is the input delayed, bit for bit;
/// a whole frame below it with the gain at rest costs the detector and a copy only.
/// </summary>
internal sealed class TruePeakLimiter
{
    public const int Channels = 2;
    public const int Oversampling = 4;
    public const int TapsPerPhase = 12;

    /// <summary>The look-ahead: a safety limiter's attack, short enough to keep the air's delay small.</summary>
    public static readonly TimeSpan LookAhead = TimeSpan.FromMilliseconds(3);

    /// <summary>The release's time constant: slow enough not to distort bass, fast enough not to duck the programme long.</summary>
    public static readonly TimeSpan Release = TimeSpan.FromMilliseconds(200);

    // The interpolator sees 6 samples either side of the point it makes; a peak between x[m-1] and x[m] is known 5 samples after x[m].
    private const int History = TapsPerPhase - 1;
    private const int DetectorLatency = (TapsPerPhase / 2) - 1;

    // An envelope this close to 1 after a release is 1 (a step of 1e-6 is -120 dB).
    private const double UnitySnap = 1e-6;

    private readonly float _ceiling;
    private readonly int _maxFrames;
    private readonly int _boxA;
    private readonly int _boxB;
    private readonly int _support;
    private readonly double _releaseCoefficient;
    private readonly float[][] _phases;
    // Per channel: [DelaySamples of history | the call's frames]; the FIR reads the newest, the output the oldest.
    private readonly float[] _left;
    private readonly float[] _right;
    // The stereo peak of each sample: [_support of history | the call's]; the output's sample reads the one _support before.
    private readonly float[] _peaks;
    private readonly float[] _gains;
    // The minimum of the needed gains over the window: a monotonic queue of the values under 1.
    private readonly long[] _holdIndex;
    private readonly float[] _holdValue;
    private int _holdHead;
    private int _holdCount;
    private readonly double[] _ringA;
    private readonly double[] _ringB;
    private int _indexA;
    private int _indexB;
    private double _sumA;
    private double _sumB;
    private double _envelope = 1;
    private bool _atRest = true;
    private int _unityRun;
    private long _step;

    public TruePeakLimiter(double ceilingDbtp, int sampleRate = StationFormat.SampleRate, int maxFrames = StationFormat.FrameSamples)
    {
        _ceiling = (float)Math.Pow(10, ceilingDbtp / 20);
        CeilingDbtp = ceilingDbtp;
        _maxFrames = maxFrames;
        _support = Math.Max(2, (int)Math.Round(LookAhead.TotalSeconds * sampleRate));
        _boxA = _support / 2;
        _boxB = _support + 1 - _boxA;
        DelaySamples = _support + DetectorLatency;
        _releaseCoefficient = Math.Exp(-1 / (Release.TotalSeconds * sampleRate));
        _phases = [Phase(0.25), Phase(0.5), Phase(0.75)];
        _left = new float[DelaySamples + maxFrames];
        _right = new float[DelaySamples + maxFrames];
        _peaks = new float[_support + maxFrames];
        _gains = new float[maxFrames];
        _holdIndex = new long[_support + 2];
        _holdValue = new float[_support + 2];
        _ringA = new double[_boxA];
        _ringB = new double[_boxB];
    }

    public double CeilingDbtp { get; }

    /// <summary>How many samples the programme is delayed by: the look-ahead plus the detector's latency.</summary>
    public int DelaySamples { get; }

    /// <summary>The highest true peak (linear) the detector saw coming in during the last call.</summary>
    public float InputPeak { get; private set; }

    /// <summary>The highest true peak (linear) that went out in the last call: each sample's detected peak times its gain.</summary>
    public float OutputPeak { get; private set; }

    /// <summary>The lowest gain (linear, 1 at rest) applied in the last call.</summary>
    public float MinGain { get; private set; } = 1;

    /// <summary>Limits <paramref name="interleaved"/> (stereo frames) in place.</summary>
    public void Process(Span<float> interleaved)
    {
        float input = 0, output = 0, gain = 1;
        while (!interleaved.IsEmpty)
        {
            var frames = Math.Min(_maxFrames, interleaved.Length / Channels);
            if (frames == 0)
            {
                break;
            }
            ProcessChunk(interleaved[..(frames * Channels)]);
            input = Math.Max(input, InputPeak);
            output = Math.Max(output, OutputPeak);
            gain = Math.Min(gain, MinGain);
            interleaved = interleaved[(frames * Channels)..];
        }
        InputPeak = input;
        OutputPeak = output;
        MinGain = gain;
    }

    private void ProcessChunk(Span<float> io)
    {
        var frames = io.Length / Channels;
        var delay = DelaySamples;
        for (var i = 0; i < frames; i++)
        {
            _left[delay + i] = io[2 * i];
            _right[delay + i] = io[(2 * i) + 1];
        }
        var peaks = _peaks.AsSpan(_support, frames);
        Detect(_left.AsSpan(delay - History, frames + History), peaks, first: true);
        Detect(_right.AsSpan(delay - History, frames + History), peaks, first: false);
        var incoming = Max(peaks);
        InputPeak = incoming;
        var outgoing = _peaks.AsSpan(0, frames);
        if (_atRest && incoming <= _ceiling)
        {
            // Nothing to do: the delayed input goes out as it came.
            for (var i = 0; i < frames; i++)
            {
                io[2 * i] = _left[i];
                io[(2 * i) + 1] = _right[i];
            }
            _step += frames;
            OutputPeak = Max(outgoing);
            MinGain = 1;
        }
        else
        {
            var gains = _gains.AsSpan(0, frames);
            ComputeGains(peaks, gains);
            float outPeak = 0, minGain = 1;
            for (var i = 0; i < frames; i++)
            {
                var g = gains[i];
                io[2 * i] = _left[i] * g;
                io[(2 * i) + 1] = _right[i] * g;
                outPeak = Math.Max(outPeak, outgoing[i] * g);
                minGain = Math.Min(minGain, g);
            }
            OutputPeak = outPeak;
            MinGain = minGain;
        }
        _left.AsSpan(frames, delay).CopyTo(_left);
        _right.AsSpan(frames, delay).CopyTo(_right);
        _peaks.AsSpan(frames, _support).CopyTo(_peaks);
    }

    /// <summary>
    /// The gain for each step: the needed gain of the peak leaving the detector, its minimum over the last
    /// <c>_support + 1</c> steps, an instant attack and exponential release, two moving averages (_boxA + _boxB - 1 = _support).
    /// A peak at step p is met by the gains of steps p + _support - 1 and p + _support, which go with the two samples around it.
    /// </summary>
    private void ComputeGains(ReadOnlySpan<float> peaks, Span<float> gains)
    {
        var ceiling = _ceiling;
        for (var i = 0; i < peaks.Length; i++, _step++)
        {
            var peak = peaks[i];
            var needed = peak > ceiling ? ceiling / peak : 1f;
            if (needed < 1f)
            {
                while (_holdCount > 0 && _holdValue[Slot(_holdCount - 1)] >= needed)
                {
                    _holdCount--;
                }
                var slot = Slot(_holdCount);
                _holdIndex[slot] = _step;
                _holdValue[slot] = needed;
                _holdCount++;
            }
            while (_holdCount > 0 && _holdIndex[_holdHead] < _step - _support)
            {
                _holdHead = (_holdHead + 1) % _holdIndex.Length;
                _holdCount--;
            }
            double held = _holdCount > 0 ? _holdValue[_holdHead] : 1.0;
            _envelope = held < _envelope ? held : held + ((_envelope - held) * _releaseCoefficient);
            if (held == 1.0 && _envelope > 1 - UnitySnap)
            {
                _envelope = 1;
            }
            if (_atRest)
            {
                if (_envelope == 1)
                {
                    gains[i] = 1f;
                    continue;
                }
                // Leaving rest: both averages hold nothing but 1s.
                _ringA.AsSpan().Fill(1);
                _ringB.AsSpan().Fill(1);
                _sumA = _boxA;
                _sumB = _boxB;
                _atRest = false;
                _unityRun = 0;
            }
            _sumA += _envelope - _ringA[_indexA];
            _ringA[_indexA] = _envelope;
            _indexA = (_indexA + 1) % _boxA;
            var a = _sumA / _boxA;
            _sumB += a - _ringB[_indexB];
            _ringB[_indexB] = a;
            _indexB = (_indexB + 1) % _boxB;
            _unityRun = _envelope == 1 ? _unityRun + 1 : 0;
            if (_unityRun >= _support)
            {
                // Both averages have seen nothing but 1s: exactly 1 again, free of the sums' rounding.
                _atRest = true;
                gains[i] = 1f;
                continue;
            }
            gains[i] = (float)Math.Min(1.0, _sumB / _boxB);
        }
    }

    private int Slot(int offset) => (_holdHead + offset) % _holdIndex.Length;

    /// <summary>
    /// peaks[q] = max(peaks[q] (unless first), |x[q + 6]|, |the 3 points between x[q + 5] and x[q + 6]|): the true peak
    /// of the interval ending at sample q + 6 of <paramref name="x"/>, which holds History samples before the call's.
    /// </summary>
    private void Detect(ReadOnlySpan<float> x, Span<float> peaks, bool first)
    {
        ReadOnlySpan<float> h1 = _phases[0], h2 = _phases[1], h3 = _phases[2];
        var q = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var width = Vector<float>.Count;
            for (; q <= peaks.Length - width; q += width)
            {
                Vector<float> a1 = Vector<float>.Zero, a2 = Vector<float>.Zero, a3 = Vector<float>.Zero;
                for (var i = 0; i < TapsPerPhase; i++)
                {
                    var v = new Vector<float>(x[(q + i)..]);
                    a1 += v * h1[i];
                    a2 += v * h2[i];
                    a3 += v * h3[i];
                }
                var peak = Vector.Max(Vector.Max(Vector.Abs(a1), Vector.Abs(a2)), Vector.Max(Vector.Abs(a3), Vector.Abs(new Vector<float>(x[(q + (TapsPerPhase / 2))..]))));
                if (!first)
                {
                    peak = Vector.Max(peak, new Vector<float>(peaks[q..]));
                }
                peak.CopyTo(peaks[q..]);
            }
        }
        for (; q < peaks.Length; q++)
        {
            float a1 = 0, a2 = 0, a3 = 0;
            for (var i = 0; i < TapsPerPhase; i++)
            {
                var v = x[q + i];
                a1 += v * h1[i];
                a2 += v * h2[i];
                a3 += v * h3[i];
            }
            var peak = Math.Max(Math.Max(Math.Abs(a1), Math.Abs(a2)), Math.Max(Math.Abs(a3), Math.Abs(x[q + (TapsPerPhase / 2)])));
            peaks[q] = first ? peak : Math.Max(peak, peaks[q]);
        }
    }

    private static float Max(ReadOnlySpan<float> values)
    {
        var i = 0;
        var best = 0f;
        if (Vector.IsHardwareAccelerated && values.Length >= Vector<float>.Count)
        {
            var max = Vector<float>.Zero;
            for (; i <= values.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                max = Vector.Max(max, new Vector<float>(values[i..]));
            }
            for (var j = 0; j < Vector<float>.Count; j++)
            {
                best = Math.Max(best, max[j]);
            }
        }
        for (; i < values.Length; i++)
        {
            best = Math.Max(best, values[i]);
        }
        return best;
    }

    /// <summary>
    /// The 12 taps that make the point <paramref name="fraction"/> of the way from x[5] to x[6] out of x[0..11]:
    /// a sinc under a Hann window 12 samples wide, scaled to a gain of exactly 1 at DC.
    /// </summary>
    private static float[] Phase(double fraction)
    {
        var taps = new double[TapsPerPhase];
        var half = TapsPerPhase / 2.0;
        for (var i = 0; i < TapsPerPhase; i++)
        {
            var d = (TapsPerPhase / 2) - 1 + fraction - i;
            var sinc = d == 0 ? 1 : Math.Sin(Math.PI * d) / (Math.PI * d);
            var window = Math.Abs(d) >= half ? 0 : 0.5 * (1 + Math.Cos(Math.PI * d / half));
            taps[i] = sinc * window;
        }
        var sum = taps.Sum();
        return [.. taps.Select(t => (float)(t / sum))];
    }
}
