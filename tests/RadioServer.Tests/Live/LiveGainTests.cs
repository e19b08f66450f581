using RadioServer.Audio;
using RadioServer.Audio.Loudness;
using RadioServer.Live;

namespace RadioServer.Tests.Live;

/// <summary>The live sources' slow automatic gain, measured on what it puts out by an independent meter instance.</summary>
public sealed class LiveGainTests
{
    private const int Rate = StationFormat.SampleRate;
    private static readonly int s_frame = StationFormat.FrameSamples;

    [Theory]
    [InlineData(-30.0)] // a quiet host is brought up
    [InlineData(-8.0)] // a hot one down
    public void SteadySource_ReachesTheTarget_Slowly(double dbfs)
    {
        var options = new SoundOptions { TargetLufs = -16, MaxGainDb = 20 };
        using var gain = new LiveGain(options);
        var source = NewSource();
        using var late = new LoudnessMeter(2, Rate, LoudnessMeasures.ShortTerm);
        var firstSecond = Run(gain, source, dbfs, seconds: 1, measure: null);
        Assert.InRange(Math.Abs(firstSecond), 0, 1.0); // slow: no jump in the first second
        Run(gain, source, dbfs, seconds: 60, measure: late);
        Assert.InRange(late.ShortTerm, -17, -15);
    }

    [Fact]
    public void Silence_IsNeverPumpedUp_AndTheGainIsCapped()
    {
        var options = new SoundOptions { TargetLufs = -16, MaxGainDb = 6 };
        using var gain = new LiveGain(options);
        var source = NewSource();
        Run(gain, source, -80, seconds: 30, measure: null); // room noise below the gate
        Assert.Equal(0, gain.GainDb);
        Run(gain, source, -40, seconds: 90, measure: null); // 24 dB under the target: at most +6
        Assert.Equal(6, gain.GainDb, 3);
    }

    [Fact]
    public void Off_LeavesTheSourceAsSent()
    {
        using var gain = new LiveGain(new SoundOptions { LiveAutoGain = false });
        var frame = Sine(-30, 0);
        var copy = frame.ToArray();
        gain.Apply(NewSource(), frame);
        Assert.Equal(copy, frame);
    }

    private static double Run(LiveGain gain, object source, double dbfs, int seconds, LoudnessMeter? measure)
    {
        var frames = seconds * Rate / s_frame;
        for (var f = 0; f < frames; f++)
        {
            var frame = Sine(dbfs, f);
            gain.Apply(source, frame);
            measure?.Add(frame);
        }
        return gain.GainDb;
    }

    private static float[] Sine(double dbfs, int frameIndex)
    {
        var amplitude = Math.Pow(10, dbfs / 20);
        var frame = new float[s_frame * 2];
        for (var i = 0; i < s_frame; i++)
        {
            var v = (float)(amplitude * Math.Sin(2 * Math.PI * 997 * ((frameIndex * (long)s_frame) + i) / Rate));
            frame[2 * i] = v;
            frame[(2 * i) + 1] = v;
        }
        return frame;
    }

    private static object NewSource() => new();
}
