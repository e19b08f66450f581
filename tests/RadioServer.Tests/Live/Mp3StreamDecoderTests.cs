using RadioServer.Live;
using RadioServer.Tests.Infrastructure;

namespace RadioServer.Tests.Live;

/// <summary>A live MP3 source decoded as it arrives, in pieces of any size, at any rate: smooth station-format audio.</summary>
public sealed class Mp3StreamDecoderTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(48000, 1)]
    [InlineData(22050, 2)]
    [InlineData(44100, 2)]
    public void AnyRate_InPieces_ComesOutAsASmoothToneAtTheStationsFormat(int rate, int channels)
    {
        var mp3 = Path.Combine(_folder.Path, "tone.mp3");
        TestAudio.WriteToneMp3(mp3, 1000, 3, sampleRate: rate, channels: channels, bitrateKbps: 64);
        var bytes = File.ReadAllBytes(mp3);
        var decoder = new Mp3StreamDecoder();
        var output = new List<float>();
        var random = new Random(7);
        for (var at = 0; at < bytes.Length;)
        {
            var take = Math.Min(bytes.Length - at, random.Next(1, 3000));
            decoder.Append(bytes.AsSpan(at, take), s => output.AddRange(s.ToArray()));
            at += take;
        }
        var samples = output.ToArray();
        var left = TestAudio.Channel(samples, 2, 0);
        Assert.InRange(left.Length / 44100.0, 2.9, 3.1);
        Assert.InRange(TestAudio.ToneFrequency(left.AsSpan(44100, 22050), 44100), 995, 1005);
        // No zeros padded in by the resampler between pieces: a 0.5 sine at 1 kHz moves at most ~0.071 a sample.
        var jump = 0f;
        for (var i = 4096; i < left.Length - 4096; i++)
        {
            jump = Math.Max(jump, Math.Abs(left[i] - left[i - 1]));
        }
        Assert.True(jump < 0.1, $"largest step between samples {jump:F3}: clicks");
    }
}
