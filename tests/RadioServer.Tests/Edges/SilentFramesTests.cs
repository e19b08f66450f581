using RadioServer.Edges;
using RadioServer.Tests.Infrastructure;

namespace RadioServer.Tests.Edges;

public sealed class SilentFramesTests
{
    [Theory]
    [InlineData(128)]
    [InlineData(64)]
    [InlineData(320)]
    public void Take_IsWholeFramesOfSilence_AtExactlyTheBitrate(int bitrateKbps)
    {
        var silence = new SilentFrames(bitrateKbps);
        // 44,100 s of audio would be exact by construction; 1,000 frames is 26.1 s and shows the padding rule at work.
        var data = silence.Take(1000);
        var frames = TestAudio.Frames(data);
        Assert.Equal(1000, frames.Count);
        Assert.All(frames, f => Assert.Equal((1, 3, bitrateKbps, 44100, 2), (f.Version, f.Layer, f.BitrateKbps, f.SampleRate, f.Channels)));
        var seconds = 1000 * 1152 / 44100.0;
        Assert.InRange(data.Length, Math.Floor(seconds * bitrateKbps * 125) - 1, Math.Ceiling(seconds * bitrateKbps * 125) + 1);

        var (samples, rate, channels) = TestAudio.DecodeMp3(data);
        Assert.Equal((44100, 2), (rate, channels));
        Assert.InRange(samples.Length / 2, (1000 - 2) * 1152, 1000 * 1152);
        Assert.Equal(0f, samples.Max(Math.Abs)); // digital silence
    }
}
