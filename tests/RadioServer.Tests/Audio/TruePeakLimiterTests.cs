using RadioServer.Audio;
using RadioServer.Audio.Loudness;

namespace RadioServer.Tests.Audio;

/// <summary>
/// The true-peak limiter before the encoder, alone: bit-exact delay below the ceiling, true peaks at or under the
/// ceiling as libebur128 (an independent 4x meter) measures them, a gain that moves smoothly, a detector that finds
/// inter-sample peaks, and no allocation per call.
/// </summary>
public sealed class TruePeakLimiterTests
{
    private const int Rate = StationFormat.SampleRate;
    private const int Frame = StationFormat.FrameSamples;

    [Fact]
    public void Process_BelowTheCeiling_IsTheInputDelayedBitForBit()
    {
        var limiter = new TruePeakLimiter(-1);
        // Three tones and a little noise, peaks about -3 dBFS: under -1 dBTP however they add up between samples.
        var random = new Random(7);
        var input = Signal(5 * Rate, i => (0.3 * Math.Sin(2 * Math.PI * 220 * i / Rate)) + (0.2 * Math.Sin(2 * Math.PI * 3100 * i / Rate)) + (0.1 * Math.Sin(2 * Math.PI * 9000 * i / Rate)) + (0.05 * ((random.NextDouble() * 2) - 1)));
        var output = (float[])input.Clone();
        // Frames of the air chain's size and odd ones: the delay is the same whatever the call.
        var sizes = new[] { Frame, 1, 333, Frame, 2 * Frame + 17 };
        for (int offset = 0, k = 0; offset < output.Length; k++)
        {
            var frames = Math.Min(sizes[k % sizes.Length], (output.Length - offset) / 2);
            limiter.Process(output.AsSpan(offset, frames * 2));
            Assert.Equal(1f, limiter.MinGain);
            offset += frames * 2;
        }
        var delay = limiter.DelaySamples;
        Assert.InRange(delay * 1000.0 / Rate, 2, 5);
        for (var i = 0; i < output.Length; i++)
        {
            var expected = i < delay * 2 ? 0f : input[i - (delay * 2)];
            if (BitConverter.SingleToInt32Bits(output[i]) != BitConverter.SingleToInt32Bits(expected))
            {
                Assert.Fail($"Sample {i}: {output[i]:R}, not {expected:R} (the input {delay} frames earlier).");
            }
        }
    }

    public static TheoryData<string> HotSignals => new() { "sine fs/4 at 45 degrees", "full-scale square", "hot noise" };

    [Theory]
    [MemberData(nameof(HotSignals))]
    public void Process_AHotSignal_ComesOutAtOrUnderTheCeiling_ByLibebur128(string name)
    {
        var random = new Random(11);
        var input = name switch
        {
            // Samples at ±1.0 exactly, the wave between them at ±1.414: +3 dBTP.
            "sine fs/4 at 45 degrees" => Signal(3 * Rate, i => Math.Sqrt(2) * Math.Sin((Math.PI / 2 * i) + (Math.PI / 4))),
            // A naive square at 0 dBFS rings between its samples (about +2 dBTP).
            "full-scale square" => Signal(3 * Rate, i => (i / 40) % 2 == 0 ? 1.0 : -1.0),
            _ => Signal(3 * Rate, _ => Math.Clamp(0.7 * Gaussian(random), -1, 1)),
        };
        using (var before = new LoudnessMeter(2, Rate, LoudnessMeasures.TruePeak))
        {
            before.Add(input);
            Assert.True(before.TruePeakDb > 0.5, $"{name}: the test signal's own true peak is {before.TruePeakDb:F2} dBTP");
        }

        var output = (float[])input.Clone();
        var limiter = new TruePeakLimiter(-1);
        for (var offset = 0; offset < output.Length; offset += Frame * 2)
        {
            limiter.Process(output.AsSpan(offset, Math.Min(Frame * 2, output.Length - offset)));
        }

        using var after = new LoudnessMeter(2, Rate, LoudnessMeasures.TruePeak);
        after.Add(output);
        Assert.True(after.TruePeakDb <= -1.0 + 0.05, $"{name}: {after.TruePeakDb:F3} dBTP out, over the -1 dBTP ceiling");
        // And it is limited, not muted: the loud part stays loud.
        Assert.True(after.SamplePeakDb > -4, $"{name}: sample peak {after.SamplePeakDb:F2} dBFS");
    }

    [Fact]
    public void Process_ALoudStep_MovesTheGainSmoothly_AndBackToExactlyOne()
    {
        // Level 0.2, then 1.5 (which needs about -5 dB), then 0.2 again: with a constant input the gain is out / in, sample by sample.
        const int quiet = Rate / 2, loud = Rate / 2, after = 4 * Rate;
        var input = Signal(quiet + loud + after, i => i >= quiet && i < quiet + loud ? 1.5 : 0.2);
        var output = (float[])input.Clone();
        var limiter = new TruePeakLimiter(-1);
        for (var offset = 0; offset < output.Length; offset += Frame * 2)
        {
            limiter.Process(output.AsSpan(offset, Math.Min(Frame * 2, output.Length - offset)));
        }
        var delay = limiter.DelaySamples;
        var gains = new double[input.Length / 2 - delay];
        for (var n = 0; n < gains.Length; n++)
        {
            gains[n] = output[2 * (n + delay)] / (double)input[2 * n];
            Assert.Equal(output[2 * (n + delay)], output[(2 * (n + delay)) + 1]);
        }
        var steepest = 0.0;
        for (var n = 1; n < gains.Length; n++)
        {
            steepest = Math.Max(steepest, Math.Abs(gains[n] - gains[n - 1]));
        }
        // The attack, about -5 dB, is spread over the 3 ms look-ahead (132 samples): no step anywhere.
        Assert.True(steepest < 0.012, $"the gain changed by {steepest:F4} in one sample");
        Assert.Equal(1.0, gains[quiet - 200]); // untouched before the step's look-ahead
        Assert.InRange(gains[quiet + 1000], 0.5, 0.6); // 0.891 / 1.5 = 0.594, less for the step's own ringing
        Assert.InRange(gains.Min(), 0.5, 0.6);
        Assert.True(gains[quiet + loud + (Rate / 10)] < 1, "the release is slow: 100 ms after the loud part the gain is still under 1");
        Assert.Equal(1.0, gains[^1]); // released, exactly unity again
        Assert.Equal(1f, limiter.MinGain);
    }

    [Theory]
    [InlineData(997)]
    [InlineData(5000)]
    [InlineData(11025)]
    [InlineData(12000)]
    public void Detector_FindsInterSamplePeaks_WithinAThirdOfADecibel(double frequency)
    {
        var random = new Random((int)frequency);
        for (var trial = 0; trial < 8; trial++)
        {
            var phase = random.NextDouble() * 2 * Math.PI;
            var input = Signal(Frame * 4, i => 1.2 * Math.Sin((2 * Math.PI * frequency * i / Rate) + phase));
            var limiter = new TruePeakLimiter(0);
            var peak = 0f;
            for (var offset = 0; offset < input.Length; offset += Frame * 2)
            {
                limiter.Process(input.AsSpan(offset, Frame * 2));
                if (offset > 0)
                {
                    // Not the first frame: the tone's start from silence rings above its amplitude.
                    peak = Math.Max(peak, limiter.InputPeak);
                }
            }
            var error = 20 * Math.Log10(peak / 1.2);
            Assert.True(Math.Abs(error) < 0.3, $"{frequency} Hz, phase {phase:F2}: read {error:F3} dB off");
        }
    }

    [Fact]
    public void Process_AllocatesNothing()
    {
        var limiter = new TruePeakLimiter(-1);
        var frame = Signal(Frame, i => 1.3 * Math.Sin(2 * Math.PI * 1000 * i / Rate));
        var quiet = Signal(Frame, i => 0.1 * Math.Sin(2 * Math.PI * 1000 * i / Rate));
        limiter.Process(frame);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 500; i++)
        {
            limiter.Process(i % 2 == 0 ? frame : quiet);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>Stereo, the same on both sides.</summary>
    internal static float[] Signal(int frames, Func<int, double> sample)
    {
        var result = new float[frames * 2];
        for (var i = 0; i < frames; i++)
        {
            result[2 * i] = result[(2 * i) + 1] = (float)sample(i);
        }
        return result;
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
