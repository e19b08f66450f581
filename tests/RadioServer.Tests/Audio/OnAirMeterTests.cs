using RadioServer.Audio;
using RadioServer.Audio.Loudness;

namespace RadioServer.Tests.Audio;

/// <summary>The on-air meter alone: its windows against libebur128's own, the loudness of each item, no allocation per frame.</summary>
public sealed class OnAirMeterTests
{
    private const int Rate = StationFormat.SampleRate;
    private const int Frame = StationFormat.FrameSamples;

    [Fact]
    public void Observe_ReadsMomentaryAndShortTerm_AsLibebur128Does()
    {
        using var meter = new OnAirMeter();
        using var reference = new LoudnessMeter(2, Rate, LoudnessMeasures.ShortTerm);
        // 4 s: -20 dBFS at 997 Hz (-20 LUFS), then 1 s at -30: momentary follows at once, short-term lags.
        var frames = 0;
        for (var f = 0; f < 5 * Rate / Frame; f++, frames += Frame)
        {
            var start = frames;
            var frame = TruePeakLimiterTests.Signal(Frame, i => (start + i < 4 * Rate ? 0.1 : 0.0316) * Math.Sin(2 * Math.PI * 997 * (start + i) / Rate));
            meter.Observe(frame, 0.1f, 0.1f, 1f);
            reference.Add(frame);
            if ((frames + Frame) % OnAirMeter.BlockFrames < Frame && frames > 3 * Rate)
            {
                // Just past a 100 ms boundary: the meter's values are those of that boundary; the reference is a frame later.
                Assert.InRange(meter.ShortTermLufs, reference.ShortTerm - 0.3, reference.ShortTerm + 0.3);
            }
        }
        Assert.InRange(meter.MomentaryLufs, -30.2, -29.8);
        Assert.InRange(meter.ShortTermLufs, -25, -20.5);
        Assert.Equal(20 * Math.Log10(0.1f), meter.TruePeakDbtp, 3);
        Assert.Equal(0, meter.LimiterGainDb);
    }

    [Fact]
    public void ItemBoundary_HandsTheEndedItemsLoudness_ToTheNextPublishedMark()
    {
        using var meter = new OnAirMeter();
        Feed(meter, seconds: 4, amplitude: 0.1, peak: 0.5f);   // -20 LUFS
        Assert.InRange(meter.ItemIntegratedLufs, -20.2, -19.8);
        meter.ItemBoundary();
        Assert.Null(meter.LastItem); // not before the chain publishes the new title's mark
        Feed(meter, seconds: 0.05, amplitude: 0.0316, peak: 0.25f);
        meter.ItemBoundary(); // a second title inside the same chunk: still the first item that ends
        Feed(meter, seconds: 3, amplitude: 0.0316, peak: 0.25f); // -30 LUFS
        meter.ItemPublished();
        var ended = meter.LastItem!;
        Assert.InRange(ended.IntegratedLufs!.Value, -20.2, -19.8);
        Assert.Equal(20 * Math.Log10(0.5f), ended.TruePeakDbtp!.Value, 2);
        Assert.InRange(meter.ItemIntegratedLufs, -30.3, -29.7);
        Assert.Equal(20 * Math.Log10(0.25f), meter.ItemTruePeakDbtp, 3);

        // A silent item has no loudness.
        meter.ItemBoundary();
        Feed(meter, seconds: 2, amplitude: 0, peak: 0f);
        meter.ItemBoundary();
        meter.ItemPublished();
        Assert.InRange(meter.LastItem!.IntegratedLufs!.Value, -30.3, -29.7);
        meter.ItemPublished();
        meter.ItemBoundary();
        meter.ItemPublished();
        Assert.Null(meter.LastItem!.IntegratedLufs);
        Assert.Null(meter.LastItem!.TruePeakDbtp);
    }

    [Fact]
    public void FirstBlock_ReadsTheLimiterAtRest_AndEveryValueSerialises()
    {
        using var meter = new OnAirMeter();
        Feed(meter, seconds: 0.15, amplitude: 0, peak: 0f);
        Assert.Equal(0, meter.LimiterGainDb); // not -infinity from the window's empty start
        var status = new LoudnessStatus(null, null, null, null, meter.LimiterGainDb, -16, -1, null, null, 3.1);
        Assert.Contains("\"limiterGainDb\":0", System.Text.Json.JsonSerializer.Serialize(status, new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web)), StringComparison.Ordinal);
    }

    [Fact]
    public void Observe_AllocatesNothing()
    {
        using var meter = new OnAirMeter();
        var frame = TruePeakLimiterTests.Signal(Frame, i => 0.3 * Math.Sin(2 * Math.PI * 440 * i / Rate));
        // Warm: every path once (a block closed, the integrated figure taken), so the native calls are bound and
        // the methods jitted; what the runtime allocates for that the first time is not the meter's.
        for (var i = 0; i < 200; i++)
        {
            meter.Observe(frame, 0.3f, 0.3f, 1f);
        }
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 500; i++)
        {
            meter.Observe(frame, 0.3f, 0.3f, 0.9f);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static void Feed(OnAirMeter meter, double seconds, double amplitude, float peak)
    {
        var total = (int)(seconds * Rate);
        for (var done = 0; done < total; done += Frame)
        {
            var start = done;
            meter.Observe(TruePeakLimiterTests.Signal(Math.Min(Frame, total - done), i => amplitude * Math.Sin(2 * Math.PI * 997 * (start + i) / Rate)), peak, peak, 1f);
        }
    }
}
