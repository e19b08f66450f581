using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using NAudio.Wave;
using RadioServer.Audio;
using RadioServer.Audio.Decoding;
using RadioServer.Library;

namespace RadioServer.Tests.Audio.Playout;

/// <summary>The playout's sample math in memory: no allocation per read while crossfading, and a cut that wins over an overlap.</summary>
public sealed class PlayoutSampleProviderTests
{
    private const int Rate = StationFormat.SampleRate;
    private static readonly TrackInfo s_track = new("/media/tone.wav", "tone.wav", "Test", "Tone", null, TimeSpan.FromSeconds(30));

    // 30 s of tone, 0.5 s of it leading silence by its analysis; 20 s to its cue-out: a 6 s crossfade from 13.5 s.
    private static readonly TrackSound s_sound = new(-20, 0, null, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(20), null, -20, -20, TrackSoundSource.Analysis);

    [Fact]
    public void Crossfading_AllocatesNothingPerRead()
    {
        var playout = new Source();
        var provider = NewProvider(playout, new FakeTimeProvider());
        var block = new float[AirChain.BlockSamples * StationFormat.Channels];
        var reads = (int)(14.0 * Rate / AirChain.BlockSamples); // past the window's start: the next item is open
        for (var i = 0; i < reads; i++)
        {
            provider.Read(block);
        }
        Assert.Equal(2, playout.Nexts);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 5 * Rate / AirChain.BlockSamples; i++) // 5 s of the overlap, both items mixed
        {
            provider.Read(block);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void CutInsideAnOverlap_FadesBothOut_ThenAsksForTheBoundarysItem()
    {
        var time = new FakeTimeProvider();
        var playout = new Source();
        var provider = NewProvider(playout, time);
        var block = new float[AirChain.BlockSamples * StationFormat.Channels];
        var readsTo15s = (int)(15.0 * Rate / AirChain.BlockSamples);
        for (var i = 0; i < readsTo15s; i++)
        {
            provider.Read(block);
        }
        Assert.Equal(2, playout.Nexts); // overlapping now
        playout.Cut = time.GetUtcNow() + PlayoutSampleProvider.CutFade; // a schedule applied now, its hard boundary in half a second
        var silentAfter = -1.0;
        for (var i = 0; i < Rate / AirChain.BlockSamples; i++)
        {
            playout.Cut = playout.Nexts == 2 ? playout.Cut : null; // the boundary's item plays on
            provider.Read(block);
            if (silentAfter < 0 && playout.Nexts == 3)
            {
                silentAfter = (i + 1) * AirChain.BlockSamples / (double)Rate;
            }
        }
        Assert.InRange(silentAfter, 0.5, 0.5 + (AirChain.BlockSamples / (double)Rate)); // both out within the cut's fade, then the next
    }

    private static PlayoutSampleProvider NewProvider(IPlayoutSource playout, TimeProvider time) =>
        new(playout, NullLogger.Instance, time, new Sounds(), new SoundOptions(), _ => Tone());

    private static DecodedTrack Tone() => new(new RawSourceWaveStream(new MemoryStream(), StationFormat.WaveFormat), new Sine(30 * Rate));

    private sealed class Source : IPlayoutSource
    {
        public int Nexts { get; private set; }

        public DateTimeOffset? Cut { get; set; }

        public TrackInfo? Next()
        {
            Nexts++;
            return s_track;
        }

        public void Failed(TrackInfo track)
        {
        }

        public DateTimeOffset? CutAt(TrackInfo track) => Cut;

        public TimeSpan? CrossfadeFor(TrackInfo track) => null;
    }

    private sealed class Sounds : ITrackSounds
    {
        public TrackSound? Find(TrackInfo track) => s_sound;
    }

    /// <summary>A 997 Hz sine at -20 dBFS, <paramref name="frames"/> long.</summary>
    private sealed class Sine(long frames) : ISampleProvider
    {
        private long _position;

        public WaveFormat WaveFormat => StationFormat.WaveFormat;

        public int Read(Span<float> buffer)
        {
            var n = (int)Math.Min(buffer.Length / 2, frames - _position);
            for (var i = 0; i < n; i++, _position++)
            {
                buffer[2 * i] = buffer[(2 * i) + 1] = (float)(0.1 * Math.Sin(2 * Math.PI * 997 * _position / Rate));
            }
            return n * 2;
        }
    }
}
