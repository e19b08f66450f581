using System.Diagnostics;
using NAudio.Wave;
using RadioServer.Audio;
using RadioServer.Audio.Decoding;
using RadioServer.Tests.Infrastructure;

namespace RadioServer.Tests.Audio;

/// <summary>
/// One continuous tone, cut at a sample that is no frame boundary into two MP3s with LAME info tags (ffmpeg's
/// libmp3lame), decoded one after the other: together they are the original, sample for sample, with no gap and no
/// click at the join. NLayer failed this: it kept each part's encoder delay and padding (~50 ms of near-silence).
/// </summary>
public sealed class GaplessDecodingTests : IDisposable
{
    private const int Rate = StationFormat.SampleRate;
    private const double Frequency = 441;
    private static readonly float s_amplitude = (float)Math.Pow(10, -12 / 20.0); // -12 dBFS

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>
    /// Lengths of the parts in samples (cut at 1,152 x 60 + 881, x 35 + 105, x 35 + 97: neither part is whole frames),
    /// the bitrate, and the largest error allowed away from the join and within one granule (576 samples) of it, where the coder spreads its error. At the join the
    /// encoder itself (not the decoder) is off: each part was cut out of a wave, and LAME codes the hard edge it sees
    /// there with some error, largest where the cut falls on the wave's peak (0.018 at 320k, 0.059 at 128k measured).
    /// A gap, or NLayer's 1,105 samples of encoder delay, is off by the tone's whole amplitude, 0.25 (0.5 out of phase).
    /// </summary>
    public static TheoryData<int, int, string, double, double> Cuts => new()
    {
        { 70_001, 62_299, "320k", 0.001, 0.02 }, // near a zero crossing of the 441 Hz wave (a period is 100 samples)
        { 40_425, 47_775, "320k", 0.001, 0.05 }, // on its peak
        { 40_417, 47_783, "128k", 0.02, 0.08 },
    };

    [Theory]
    [MemberData(nameof(Cuts))]
    public void TwoPartsOfOneTone_DecodeToTheOriginal_WithNoGapAndNoClick(int first, int second, string bitrate, double away, double atJoin)
    {
        var parts = new[] { Encode("part1", 0, first, bitrate), Encode("part2", first, second, bitrate) };

        var decoded = new List<float>();
        var lengths = new List<int>();
        foreach (var part in parts)
        {
            var samples = DecodeAll(part);
            lengths.Add(samples.Length / 2);
            decoded.AddRange(samples);
        }

        // Exactly the original length, each part to the sample: the info tags' delay and padding trimmed.
        Assert.Equal([first, second], lengths);
        foreach (var channel in new[] { 0, 1 })
        {
            var samples = TestAudio.Channel([.. decoded], 2, channel);
            // On the ideal sine everywhere: before the join, after it, and across it.
            var (before, beforeAt) = MaxError(samples.AsSpan(0, first - 576), 0);
            var (after, afterAt) = MaxError(samples.AsSpan(first + 576), first + 576);
            var (join, joinAt) = MaxError(samples.AsSpan(first - 576, 1152), first - 576);
            Assert.True(before < away && after < away, $"largest error {before:F5} at sample {beforeAt}, {after:F5} at {afterAt} (join at {first})");
            Assert.True(join < atJoin, $"largest error at the join {join:F4} at sample {joinAt} (join at {first})");
        }
    }

    [Fact]
    public void NoInfoTag_KeepsEveryFrame_AsLameWroteIt()
    {
        // The station's own encoder writes no info tag: nothing to trim, every frame's 1,152 samples come out.
        var path = _folder.File("plain.mp3");
        TestAudio.WriteToneMp3(path, 1000, seconds: 1);
        var frames = TestAudio.Frames(File.ReadAllBytes(path)).Count;
        Assert.Equal(frames * StationFormat.FrameSamples, DecodeAll(path).Length / 2);
    }

    /// <summary>The ideal sine from sample <paramref name="offset"/> on, against <paramref name="decoded"/>: the worst error and where.</summary>
    private static (double Error, int At) MaxError(ReadOnlySpan<float> decoded, int offset)
    {
        var worst = 0.0;
        var at = -1;
        for (var i = 0; i < decoded.Length; i++)
        {
            var error = Math.Abs(decoded[i] - Sine(offset + i));
            if (error > worst)
            {
                (worst, at) = (error, offset + i);
            }
        }
        return (worst, at);
    }

    private static float Sine(long sample) => s_amplitude * (float)Math.Sin(2 * Math.PI * Frequency * sample / Rate);

    internal static float[] DecodeAll(string path)
    {
        using var track = TrackDecoder.Open(path);
        var samples = new List<float>();
        var buffer = new float[StationFormat.FrameSamples * 2];
        int read;
        while ((read = track.Samples.Read(buffer)) > 0)
        {
            samples.AddRange(buffer.AsSpan(0, read));
        }
        return [.. samples];
    }

    /// <summary>Samples [<paramref name="start"/>, +<paramref name="count"/>) of the tone as a float WAV, encoded by ffmpeg's libmp3lame.</summary>
    private string Encode(string name, int start, int count, string bitrate) => EncodeTone(_folder, name, start, count, bitrate);

    internal static string EncodeTone(TempFolder folder, string name, int start, int count, string bitrate)
    {
        var wav = Path.Combine(folder.Path, name + ".wav");
        using (var writer = new WaveFileWriter(wav, WaveFormat.CreateIeeeFloatWaveFormat(Rate, 2)))
        {
            var pcm = new float[count * 2];
            for (var i = 0; i < count; i++)
            {
                pcm[2 * i] = pcm[(2 * i) + 1] = Sine(start + i);
            }
            writer.WriteSamples(pcm, 0, pcm.Length);
        }
        var mp3 = folder.File(name + ".mp3");
        using var ffmpeg = Process.Start(new ProcessStartInfo("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", "-i", wav, "-c:a", "libmp3lame", "-b:a", bitrate, mp3]) { RedirectStandardError = true })!;
        var errors = ffmpeg.StandardError.ReadToEnd();
        ffmpeg.WaitForExit();
        Assert.True(ffmpeg.ExitCode == 0, errors);
        File.Delete(wav);
        return mp3;
    }
}
