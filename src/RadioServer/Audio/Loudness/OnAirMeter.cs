namespace RadioServer.Audio.Loudness;

/// <summary>
/// The programme's loudness as it is encoded (after the limiter), on the air chain's thread, published as volatile
/// doubles for any thread. libebur128 (<see cref="LoudnessMeter"/>, momentary mode only: K-weighting and its 400 ms
/// buffer) is read once per 100 ms: the energy of that 100 ms. Momentary (400 ms) and short-term (3 s) loudness are
/// the means of the last 4 and 30 of those energies (libebur128's own windows, read for a tenth of the cost), and each
/// momentary value is one gating block of BS.1770-4's integrated loudness (400 ms blocks, 75 % overlap). So the
/// loudness of each item, from one title change to the next, is measured with no second meter: its blocks go into a
/// histogram (0.1 LU bins, -70 to +30 LUFS, as libebur128's histogram mode), gated absolutely at -70 LUFS and
/// relatively at -10 LU. The true peak is the limiter's own oversampled detector (libebur128's true-peak mode is not
/// needed on air): the highest that went to the encoder in the last second, and before the limiter too.
/// </summary>
internal sealed class OnAirMeter : IDisposable
{
    public const int BlockFrames = StationFormat.SampleRate / 10;

    private const int MomentaryBlocks = 4;
    private const int ShortTermBlocks = 30;
    private const int PeakBlocks = 10;
    private const double AbsoluteGateLufs = -70;
    private const double RelativeGateLu = -10;
    private const int Bins = 1000;

    private static readonly TimeSpan s_block = TimeSpan.FromMilliseconds(100);

    private readonly LoudnessMeter _meter = new(StationFormat.Channels, StationFormat.SampleRate, LoudnessMeasures.Momentary);
    private readonly double[] _energies = new double[ShortTermBlocks];
    private readonly float[] _outputPeaks = new float[PeakBlocks];
    private readonly float[] _inputPeaks = new float[PeakBlocks];
    private readonly float[] _minGains = [1f, 1f, 1f, 1f];
    private readonly int[] _binCounts = new int[Bins];
    private readonly double[] _binEnergies = new double[Bins];
    private int _blocks;
    private int _inBlock;
    private float _blockOutputPeak;
    private float _blockInputPeak;
    private float _blockMinGain = 1;
    private int _itemBlocks;
    private float _itemPeak;
    private int _peakSkip;
    private bool _boundaryPending;
    private ItemLoudness? _pendingEnded;
    private ItemLoudness? _lastItem;
    private double _momentary = double.NegativeInfinity;
    private double _shortTerm = double.NegativeInfinity;
    private double _truePeak = double.NegativeInfinity;
    private double _inputTruePeak = double.NegativeInfinity;
    private double _gainDb;
    private double _itemIntegrated = double.NegativeInfinity;
    private double _itemTruePeak = double.NegativeInfinity;

    /// <summary>Momentary loudness (the last 400 ms), LUFS; −∞ for silence.</summary>
    public double MomentaryLufs => Volatile.Read(ref _momentary);

    /// <summary>Short-term loudness (the last 3 s), LUFS; −∞ for silence.</summary>
    public double ShortTermLufs => Volatile.Read(ref _shortTerm);

    /// <summary>The highest true peak that went to the encoder in the last second, dBTP.</summary>
    public double TruePeakDbtp => Volatile.Read(ref _truePeak);

    /// <summary>The highest true peak that came to the limiter in the last second, dBTP.</summary>
    public double InputTruePeakDbtp => Volatile.Read(ref _inputTruePeak);

    /// <summary>The limiter's lowest gain over the last 400 ms, dB (0 at rest, negative while it limits).</summary>
    public double LimiterGainDb => Volatile.Read(ref _gainDb);

    /// <summary>The integrated loudness of the item on air so far (updated every second), LUFS; −∞ before its first block or in silence.</summary>
    public double ItemIntegratedLufs => Volatile.Read(ref _itemIntegrated);

    /// <summary>The highest true peak of the item on air so far, dBTP.</summary>
    public double ItemTruePeakDbtp => Volatile.Read(ref _itemTruePeak);

    /// <summary>The item whose title was replaced by the last published title mark (see <see cref="ItemPublished"/>).</summary>
    public ItemLoudness? LastItem => Volatile.Read(ref _lastItem);

    /// <summary>One frame as it goes to the encoder, with what the limiter saw of it (linear peaks and gain).</summary>
    public void Observe(ReadOnlySpan<float> interleaved, float inputPeak, float outputPeak, float minGain)
    {
        _blockInputPeak = Math.Max(_blockInputPeak, inputPeak);
        _blockOutputPeak = Math.Max(_blockOutputPeak, outputPeak);
        _blockMinGain = Math.Min(_blockMinGain, minGain);
        if (_peakSkip > 0)
        {
            _peakSkip--;
        }
        else
        {
            _itemPeak = Math.Max(_itemPeak, outputPeak);
        }
        while (!interleaved.IsEmpty)
        {
            var frames = Math.Min(interleaved.Length / StationFormat.Channels, BlockFrames - _inBlock);
            _meter.Add(interleaved[..(frames * StationFormat.Channels)]);
            interleaved = interleaved[(frames * StationFormat.Channels)..];
            _inBlock += frames;
            if (_inBlock == BlockFrames)
            {
                CloseBlock();
            }
        }
    }

    /// <summary>
    /// The title changed (the mixer's TitleChanged, on the audio thread): the item on air ends here. Its loudness waits for
    /// <see cref="ItemPublished"/>; a second change before that (two titles inside one published chunk) goes on measuring
    /// into the new item, as the history has no row for the one between.
    /// </summary>
    public void ItemBoundary()
    {
        if (_boundaryPending)
        {
            return;
        }
        _pendingEnded = new ItemLoudness(Finite(Integrated()), Finite(LinearToDb(_itemPeak)));
        _boundaryPending = true;
        Array.Clear(_binCounts);
        Array.Clear(_binEnergies);
        _itemBlocks = 0;
        _itemPeak = 0;
        // The frame the title changed in, and the next (the limiter's 3 ms delay), still carry the item before.
        _peakSkip = 2;
        Volatile.Write(ref _itemIntegrated, double.NegativeInfinity);
        Volatile.Write(ref _itemTruePeak, double.NegativeInfinity);
    }

    /// <summary>The air chain published the new title's mark: <see cref="LastItem"/> is now the item that mark ended.</summary>
    public void ItemPublished()
    {
        if (!_boundaryPending)
        {
            return;
        }
        _boundaryPending = false;
        Volatile.Write(ref _lastItem, _pendingEnded);
    }

    public void Dispose() => _meter.Dispose();

    private void CloseBlock()
    {
        _inBlock = 0;
        var slot = _blocks % ShortTermBlocks;
        var lufs = _meter.Window(s_block);
        _energies[slot] = double.IsFinite(lufs) ? Math.Pow(10, (lufs + 0.691) / 10) : 0;
        _outputPeaks[_blocks % PeakBlocks] = _blockOutputPeak;
        _inputPeaks[_blocks % PeakBlocks] = _blockInputPeak;
        _minGains[_blocks % MomentaryBlocks] = _blockMinGain;
        _blockOutputPeak = 0;
        _blockInputPeak = 0;
        _blockMinGain = 1;
        _blocks++;

        double momentary = 0, shortTerm = 0;
        for (var i = 0; i < ShortTermBlocks; i++)
        {
            var e = _energies[(_blocks - 1 - i + (ShortTermBlocks * 2)) % ShortTermBlocks];
            shortTerm += e;
            if (i < MomentaryBlocks)
            {
                momentary += e;
            }
        }
        momentary /= MomentaryBlocks;
        var momentaryLufs = EnergyToLufs(momentary);
        Volatile.Write(ref _momentary, momentaryLufs);
        Volatile.Write(ref _shortTerm, EnergyToLufs(shortTerm / ShortTermBlocks));
        Volatile.Write(ref _truePeak, LinearToDb(Max(_outputPeaks)));
        Volatile.Write(ref _inputTruePeak, LinearToDb(Max(_inputPeaks)));
        var minGain = 1f;
        foreach (var g in _minGains)
        {
            minGain = Math.Min(minGain, g);
        }
        // A gain of 0 (an infinite peak came in) reads as the most a display needs, never as -infinity.
        Volatile.Write(ref _gainDb, minGain >= 1 ? 0 : Math.Max(-100, LinearToDb(minGain)));

        // A gating block once one lies wholly in the item: the first 100 ms block after a title change holds some of the item before.
        _itemBlocks++;
        if (_itemBlocks > MomentaryBlocks && momentaryLufs > AbsoluteGateLufs)
        {
            var bin = Math.Clamp((int)((momentaryLufs - AbsoluteGateLufs) * 10), 0, Bins - 1);
            _binCounts[bin]++;
            _binEnergies[bin] += momentary;
        }
        Volatile.Write(ref _itemTruePeak, LinearToDb(_itemPeak));
        if (_itemBlocks % 10 == 0)
        {
            Volatile.Write(ref _itemIntegrated, Integrated());
        }
    }

    /// <summary>BS.1770-4's two gates over the item's blocks (every one in the histogram is above the absolute gate).</summary>
    private double Integrated()
    {
        long count = 0;
        double energy = 0;
        for (var i = 0; i < Bins; i++)
        {
            count += _binCounts[i];
            energy += _binEnergies[i];
        }
        if (count == 0)
        {
            return double.NegativeInfinity;
        }
        var gate = EnergyToLufs(energy / count) + RelativeGateLu;
        var first = Math.Clamp((int)Math.Floor((gate - AbsoluteGateLufs) * 10), 0, Bins - 1);
        count = 0;
        energy = 0;
        for (var i = first; i < Bins; i++)
        {
            count += _binCounts[i];
            energy += _binEnergies[i];
        }
        return count == 0 ? double.NegativeInfinity : EnergyToLufs(energy / count);
    }

    private static float Max(float[] values)
    {
        var max = 0f;
        foreach (var v in values)
        {
            max = Math.Max(max, v);
        }
        return max;
    }

    private static double EnergyToLufs(double energy) => energy > 0 ? -0.691 + (10 * Math.Log10(energy)) : double.NegativeInfinity;

    private static double LinearToDb(float linear) => linear > 0 ? 20 * Math.Log10(linear) : double.NegativeInfinity;

    private static double? Finite(double value) => double.IsFinite(value) ? Math.Round(value, 2) : null;
}

/// <summary>The loudness one item had on air: its integrated loudness (LUFS) and highest true peak (dBTP); null when it was silent.</summary>
internal sealed record ItemLoudness(double? IntegratedLufs, double? TruePeakDbtp);
