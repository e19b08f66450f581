using RadioServer.Audio;
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

    [Fact]
    public void AnId3TagAndJunk_BeforeTheFirstFrame_AreSkipped()
    {
        var tone = Tone(1000, 2, 44100, 2);
        // An ID3v2.4 tag of 3,000 bytes (as ffmpeg's muxer starts a stream with one), then 5,000 bytes of junk.
        var tag = new byte[3000];
        "ID3"u8.CopyTo(tag);
        tag[3] = 4;
        var size = tag.Length - 10;
        (tag[6], tag[7], tag[8], tag[9]) = ((byte)((size >> 21) & 0x7F), (byte)((size >> 14) & 0x7F), (byte)((size >> 7) & 0x7F), (byte)(size & 0x7F));
        new Random(3).NextBytes(tag.AsSpan(10));
        var junk = new byte[5000];
        new Random(4).NextBytes(junk);
        var decoder = new Mp3StreamDecoder();

        var left = TestAudio.Channel(Decode(decoder, [.. tag, .. junk, .. tone], seed: 1), 2, 0);

        Assert.InRange(left.Length / 44100.0, 1.99, 2.06); // LAME's whole frames: its delay and padding come out too
        Assert.InRange(TestAudio.ToneFrequency(left.AsSpan(4410, 44100), 44100), 995, 1005);
        Assert.True(TestAudio.Rms(left.AsSpan(0, 4410)) < 0.5, "junk decoded as noise");
        Assert.Equal((44100, 2, 64), decoder.SourceFormat);
    }

    [Fact]
    public void JunkMidStream_LosesTheSync_ThenFindsItAgain()
    {
        var tone = Tone(1000, 4, 44100, 2);
        var junk = new byte[3000];
        new Random(5).NextBytes(junk);
        var middle = tone.Length / 2;
        var decoder = new Mp3StreamDecoder();

        var left = TestAudio.Channel(Decode(decoder, [.. tone[..middle], .. junk, .. tone[middle..]], seed: 2), 2, 0);

        // A frame or two around the cut are lost, nothing more; the tone goes on after it.
        Assert.InRange(left.Length / 44100.0, 3.9, 4.06);
        Assert.InRange(TestAudio.ToneFrequency(left.AsSpan(left.Length - 66150, 44100), 44100), 995, 1005);
    }

    [Theory]
    [InlineData("text")]
    [InlineData("random")]
    public void NotMp3_IsRefused_Within64KiB(string kind)
    {
        var data = kind == "text"
            ? System.Text.Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("this is not an mp3 stream ", 8000)))
            : RandomBytes(200_000);
        var decoder = new Mp3StreamDecoder();
        var fed = 0;

        var error = Assert.Throws<InvalidDataException>(() =>
        {
            for (; fed < data.Length; fed += 1000)
            {
                decoder.Append(data.AsSpan(fed, Math.Min(1000, data.Length - fed)), _ => Assert.Fail("no audio expected"));
            }
        });

        Assert.InRange(fed, Mp3StreamDecoder.MaxJunk - 8192, Mp3StreamDecoder.MaxJunk + 1000);
        Assert.Contains("64 KiB", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, decoder.Frames);
    }

    [Fact]
    public void FormatChangeMidStream_StaysAtTheStationsFormat()
    {
        // A source that switches encoder settings: 44.1 kHz stereo, then 22.05 kHz mono, then 48 kHz stereo.
        byte[] stream = [.. Tone(1000, 2, 44100, 2), .. Tone(1500, 2, 22050, 1), .. Tone(500, 2, 48000, 2)];
        var decoder = new Mp3StreamDecoder();
        var formats = new List<(int, int, int)>();
        var output = new List<float>();
        for (var at = 0; at < stream.Length; at += 700)
        {
            decoder.Append(stream.AsSpan(at, Math.Min(700, stream.Length - at)), s => output.AddRange(s));
            if (formats.Count == 0 || formats[^1] != decoder.SourceFormat)
            {
                formats.Add(decoder.SourceFormat);
            }
        }
        var left = TestAudio.Channel([.. output], 2, 0);

        Assert.Equal([(44100, 2, 64), (22050, 1, 64), (48000, 2, 64)], formats);
        Assert.InRange(left.Length / 44100.0, 5.95, 6.15);
        Assert.InRange(TestAudio.ToneFrequency(left.AsSpan(22050, 44100), 44100), 995, 1005);
        Assert.InRange(TestAudio.ToneFrequency(left.AsSpan(110250, 44100), 44100), 1490, 1510);
        Assert.InRange(TestAudio.ToneFrequency(left.AsSpan(198450, 44100), 44100), 497, 503);
    }

    [Fact]
    public void SteadyState_AllocatesNothingPerFrame()
    {
        var tone = Tone(1000, 20, 48000, 2);
        var (perFrame, seconds) = LiveDecoderAllocation.Measure(new Mp3StreamDecoder(), tone);

        // libmpg123 decodes into a buffer kept from the start; NLayer's path made a MemoryStream and an NAudio frame per frame.
        Assert.InRange(perFrame, 0, 16);
        Assert.InRange(seconds, 19.9, 20.1);
    }

    private byte[] Tone(double frequency, double seconds, int rate, int channels)
    {
        var path = Path.Combine(_folder.Path, $"tone-{Guid.NewGuid():N}.mp3");
        TestAudio.WriteToneMp3(path, frequency, seconds, sampleRate: rate, channels: channels, bitrateKbps: 64);
        return File.ReadAllBytes(path);
    }

    private static byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        new Random(6).NextBytes(bytes);
        return bytes;
    }

    private static float[] Decode(Mp3StreamDecoder decoder, byte[] data, int seed) => LiveDecoderFeed.InPieces(decoder, data, seed);
}
