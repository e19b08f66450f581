using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using RadioServer.Audio;
using RadioServer.Library;
using RadioServer.Station;
using RadioServer.Streaming;

namespace RadioServer.Tests.Audio;

public sealed class PacingTests
{
    [Fact]
    public void Pacer_IrregularSteps_DueSamplesFollowTheClockExactly()
    {
        var time = new FakeTimeProvider();
        var pacer = new Pacer(time, 44100);
        var random = new Random(7);
        var elapsed = TimeSpan.Zero;
        while (elapsed < TimeSpan.FromHours(1))
        {
            var step = TimeSpan.FromTicks(random.Next(1, 3_000_000)); // up to 300 ms, odd tick counts
            time.Advance(step);
            elapsed += step;
        }
        Assert.Equal((long)(elapsed.Ticks * 44100L / TimeSpan.TicksPerSecond), pacer.SamplesDue);
    }

    [Fact]
    public void AirChain_HourOfJitteryWakeUps_StaysWithinOneFrameOfTheClock()
    {
        var time = new FakeTimeProvider();
        var (chain, buffer) = NewChain(time);
        chain.Initialize();
        var random = new Random(11);
        var elapsed = TimeSpan.Zero;
        var worst = 0L;
        while (elapsed < TimeSpan.FromHours(1))
        {
            // Wake when asked, plus 0-40 ms of timer lateness: the jitter a loaded machine has.
            var wait = chain.ProduceDue();
            Assert.InRange(wait, TimeSpan.FromTicks(1), TimeSpan.FromMilliseconds(104.5)); // one block
            var step = wait + TimeSpan.FromTicks(random.Next(0, 400_000));
            time.Advance(step);
            elapsed += step;
            var due = (long)(elapsed.Ticks * 44100L / TimeSpan.TicksPerSecond);
            worst = Math.Max(worst, Math.Abs(due - chain.SamplesProduced));
        }
        chain.ProduceDue();
        var expected = (long)(elapsed.TotalSeconds * 44100);
        Assert.InRange(chain.SamplesProduced, expected - 1152, expected);
        Assert.True(worst <= 1152 * 6, $"worst lag {worst} samples"); // between wake-ups only: a block plus the timer's lateness
        Assert.InRange(chain.FramesEncoded, (expected / 1152) - 4, expected / 1152);
        Assert.Equal(chain.FramesEncoded * FakeEncoder.FrameBytes, buffer.EndPosition);
        Assert.Equal(0, chain.Underruns);
    }

    [Fact]
    public void AirChain_ShortStall_CatchesUp_LongStall_RestartsTheClock()
    {
        var time = new FakeTimeProvider();
        var (chain, _) = NewChain(time);
        chain.Initialize();
        time.Advance(TimeSpan.FromSeconds(3));
        chain.ProduceDue();
        Assert.InRange(chain.SamplesProduced, (3 * 44100) - 1152, 3 * 44100);
        Assert.Equal(0, chain.Underruns);

        time.Advance(TimeSpan.FromSeconds(30));
        chain.ProduceDue();
        Assert.Equal(1, chain.Underruns);
        Assert.InRange(chain.SamplesProduced, (3 * 44100) - 1152, (3 * 44100) + 1152);
        time.Advance(TimeSpan.FromSeconds(1));
        chain.ProduceDue();
        Assert.InRange(chain.SamplesProduced, (4 * 44100) - 2304, (4 * 44100) + 1152);
    }

    private static (AirChain Chain, BroadcastBuffer Buffer) NewChain(TimeProvider time)
    {
        var options = Options.Create(new RadioOptions());
        var buffer = new BroadcastBuffer(options);
        var chain = new AirChain(new NothingToPlay(), new FakeEncoderFactory(), buffer, options, time, NullLogger<AirChain>.Instance, new DeadAirDetector(Options.Create(new DeadAirOptions())));
        return (chain, buffer);
    }

    private sealed class NothingToPlay : IPlayoutSource
    {
        public TrackInfo? Next() => null;

        public void Failed(TrackInfo track)
        {
        }

        public DateTimeOffset? CutAt(TrackInfo track) => null;

        public TimeSpan? CrossfadeFor(TrackInfo track) => null;
    }

    private sealed class FakeEncoderFactory : IMp3EncoderFactory
    {
        public IMp3Encoder Create(int bitrateKbps, int quality) => new FakeEncoder();
    }

    /// <summary>One MPEG-1 Layer III 128 kbps 44.1 kHz header (no padding: 417 bytes) per 1,152 samples in.</summary>
    private sealed class FakeEncoder : IMp3Encoder
    {
        public const int FrameBytes = 417;
        private int _pending;

        public int MaxOutputBytes(int samplesPerChannel) => ((samplesPerChannel / 1152) + 1) * FrameBytes;

        public int Encode(ReadOnlySpan<float> interleaved, Span<byte> output)
        {
            _pending += interleaved.Length / 2;
            var written = 0;
            while (_pending >= 1152)
            {
                var frame = output.Slice(written, FrameBytes);
                frame.Clear();
                frame[0] = 0xFF;
                frame[1] = 0xFB;
                frame[2] = 0x90;
                frame[3] = 0x40;
                written += FrameBytes;
                _pending -= 1152;
            }
            return written;
        }

        public void Dispose()
        {
        }
    }
}
