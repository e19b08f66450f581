using RadioServer.Library.Analysis;

namespace RadioServer.Tests.Library.Analysis;

/// <summary>The cue-point rules on momentary series made by hand (one value per 100 ms): what is cut and what is kept.</summary>
public sealed class CuePointsTests
{
    [Fact]
    public void Compute_ShortQuietLeadIn_IsTrimmedWithTheSilence()
    {
        // 2 s of silence, 3 s of a -50 LUFS hum (below -10 - 34), then the music.
        var series = Series((2, float.NegativeInfinity), (3, -50), (20, -10));

        var cues = CuePoints.Compute(series, -10, Seconds(25));

        Assert.Equal(Seconds(5), cues.CueIn);
    }

    [Fact]
    public void Compute_LongQuietIntro_IsKept()
    {
        // 15 s of a quiet (-50 LUFS) intro: longer than MaxQuietTrim, so it is the track, not noise.
        var series = Series((1, float.NegativeInfinity), (15, -50), (20, -10));

        var cues = CuePoints.Compute(series, -10, Seconds(36));

        Assert.Equal(Seconds(1), cues.CueIn); // only the silence goes
    }

    [Fact]
    public void Compute_TailShorterThanASecond_IsNotCut()
    {
        var series = Series((20, -10), (0.5, float.NegativeInfinity));

        var cues = CuePoints.Compute(series, -10, Seconds(20.5));

        Assert.Null(cues.CueOut);
    }

    [Fact]
    public void Compute_QuietMiddle_IsNeverCut()
    {
        // A silent break in the middle: cue-out is where the audio last falls, not first.
        var series = Series((10, -10), (5, float.NegativeInfinity), (10, -10), (3, float.NegativeInfinity));

        var cues = CuePoints.Compute(series, -10, Seconds(28));

        Assert.Equal(TimeSpan.Zero, cues.CueIn);
        Assert.NotNull(cues.CueOut);
        Assert.InRange(cues.CueOut.Value.TotalSeconds, 24.6, 25.1);
    }

    [Fact]
    public void Compute_LongQuietOutro_FadeOutStartClampedToSixSecondsBeforeCueOut()
    {
        // Loud to 20 s, a quiet outro (-20 LUFS, below -10 - 7) for 15 s, then silence.
        var series = Series((20, -10), (15, -20), (3, float.NegativeInfinity));

        var cues = CuePoints.Compute(series, -10.5, Seconds(38));

        Assert.NotNull(cues.CueOut);
        Assert.NotNull(cues.FadeOutStart);
        Assert.Equal(CuePoints.MaxOverlap, cues.CueOut.Value - cues.FadeOutStart.Value);
        Assert.InRange(cues.EndLufs!.Value, -20.1, -19.9); // the 3 s before the fade-out start: the outro
        Assert.InRange(cues.StartLufs!.Value, -10.1, -9.9);
    }

    [Fact]
    public void Compute_LoudToTheEnd_HasNoCueOutAndNoFadeOutStart()
    {
        var cues = CuePoints.Compute(Series((10, -8)), -8, Seconds(10));

        Assert.Null(cues.CueOut);
        Assert.Null(cues.FadeOutStart);
    }

    [Fact]
    public void Compute_NearSilentTrack_CutsNothing()
    {
        // Dither at -80 LUFS: under the silence floor throughout.
        var cues = CuePoints.Compute(Series((10, -80)), -80, Seconds(10));

        Assert.Equal(default, cues);
    }

    private static TimeSpan Seconds(double s) => TimeSpan.FromSeconds(s);

    private static float[] Series(params (double Seconds, float Lufs)[] parts) =>
        [.. parts.SelectMany(p => Enumerable.Repeat(p.Lufs, (int)Math.Round(p.Seconds * 10)))];
}
