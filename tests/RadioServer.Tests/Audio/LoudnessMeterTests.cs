using RadioServer.Audio.Loudness;

namespace RadioServer.Tests.Audio;

/// <summary>The libebur128 binding against the standard's own reference: a 997 Hz stereo sine at −20 dBFS reads −20 LUFS (±0.1).</summary>
public sealed class LoudnessMeterTests
{
    [Theory]
    [InlineData(-20.0)]
    [InlineData(-30.0)]
    public void Sine997_AtMinus20Dbfs_IsMinus20Lufs(double dbfs)
    {
        using var meter = new LoudnessMeter(2, 48000, LoudnessMeasures.Integrated | LoudnessMeasures.ShortTerm | LoudnessMeasures.TruePeak);
        var amplitude = Math.Pow(10, dbfs / 20);
        var samples = new float[48000 * 2];
        for (var second = 0; second < 5; second++)
        {
            for (var i = 0; i < 48000; i++)
            {
                var v = (float)(amplitude * Math.Sin(2 * Math.PI * 997 * ((second * 48000) + i) / 48000));
                samples[2 * i] = v;
                samples[(2 * i) + 1] = v;
            }
            meter.Add(samples);
        }
        Assert.InRange(meter.Integrated, dbfs - 0.1, dbfs + 0.1);
        Assert.InRange(meter.ShortTerm, dbfs - 0.1, dbfs + 0.1);
        Assert.InRange(meter.TruePeakDb, dbfs - 0.1, dbfs + 0.2);
    }

    [Fact]
    public void Silence_IsNegativeInfinity()
    {
        using var meter = new LoudnessMeter(2, 44100, LoudnessMeasures.Integrated);
        meter.Add(new float[44100 * 2]);
        Assert.Equal(double.NegativeInfinity, meter.Integrated);
    }
}
