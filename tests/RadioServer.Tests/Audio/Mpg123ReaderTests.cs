using System.Diagnostics;
using System.Globalization;
using NAudio.Wave;
using RadioServer.Audio;
using RadioServer.Audio.Decoding;
using RadioServer.Tests.Infrastructure;

namespace RadioServer.Tests.Audio;

/// <summary>
/// MP3 files through <see cref="TrackDecoder"/> and libmpg123: what is not MP3 is refused at open (libmpg123 finds
/// false frames in noise that NAudio's reader refused), damage and a file shrinking under the reader end cleanly, and
/// a file whose format changes mid-way comes out in the station's format throughout.
/// </summary>
public sealed class Mpg123ReaderTests : IDisposable
{
    private const int Rate = StationFormat.SampleRate;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("text")]
    [InlineData("random")]
    [InlineData("raw noise 1")] // headerless 16-bit pink noise: libmpg123 finds false Layer I/II/III headers in it
    [InlineData("raw noise 2")]
    [InlineData("raw noise 3")]
    [InlineData("raw noise 4")]
    [InlineData("wav")]
    [InlineData("noise wav")]
    [InlineData("ogg")]
    [InlineData("tags only")]
    [InlineData("truncated")]
    public void NotMp3Audio_IsRefusedAtOpen(string kind)
    {
        var path = _folder.File($"{kind}.mp3");
        switch (kind)
        {
            case "text":
                File.WriteAllText(path, string.Concat(Enumerable.Repeat("this is not an mp3 file ", 2000)));
                break;
            case "random":
                File.WriteAllBytes(path, RandomBytes(300_000, 1));
                break;
            case var noise when noise.StartsWith("raw noise", StringComparison.Ordinal):
                Ffmpeg(path, ["-f", "lavfi", "-i", $"anoisesrc=duration=5:color=pink:amplitude=0.3:seed={noise[^1..]}", "-ac", "2", "-c:a", "pcm_s16le", "-f", "s16le"]);
                break;
            case "wav":
                TestAudio.WriteToneWav(path, 1000, 3);
                break;
            case "noise wav":
                Ffmpeg(path, ["-f", "lavfi", "-i", "anoisesrc=duration=5:color=white:amplitude=0.5", "-ac", "2", "-c:a", "pcm_s16le", "-f", "wav"]);
                break;
            case "ogg":
                Ffmpeg(path, ["-f", "lavfi", "-i", "sine=frequency=1000:duration=3", "-c:a", "libvorbis", "-f", "ogg"]);
                break;
            case "tags only":
                Ffmpeg(path, ["-f", "lavfi", "-i", "sine=frequency=1000:duration=3", "-c:a", "libmp3lame", "-metadata", "title=Nothing after me", "-f", "mp3"]);
                var tag = File.ReadAllBytes(path);
                File.WriteAllBytes(path, tag[..(10 + (tag[6] << 21 | tag[7] << 14 | tag[8] << 7 | tag[9]))]); // the ID3v2 tag alone
                break;
            default:
                TestAudio.WriteToneMp3(path, 1000, 3);
                File.WriteAllBytes(path, File.ReadAllBytes(path)[..300]); // less than one frame
                break;
        }

        var error = Assert.ThrowsAny<Exception>(() => TrackDecoder.Open(path).Dispose());
        Assert.True(error is InvalidDataException, error.ToString());
    }

    [Fact]
    public void AShortFile_UnderTheProbe_IsPlayedWhole()
    {
        var path = Ffmpeg(_folder.File("blip.mp3"), ["-f", "lavfi", "-i", "sine=frequency=1000:duration=0.05:sample_rate=44100", "-ac", "2", "-c:a", "libmp3lame", "-f", "mp3"]);
        Assert.Equal(2205 * 2, GaplessDecodingTests.DecodeAll(path).Length);
    }

    [Fact]
    public void TruncatedMidway_PlaysWhatIsThere_AndEnds()
    {
        var path = Ffmpeg(_folder.File("cut.mp3"), ["-f", "lavfi", "-i", "sine=frequency=1000:duration=4:sample_rate=44100", "-ac", "2", "-c:a", "libmp3lame", "-b:a", "128k", "-f", "mp3"]);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);

        var left = TestAudio.Channel(GaplessDecodingTests.DecodeAll(path), 2, 0);

        Assert.InRange(left.Length / (double)Rate, 1.9, 2.1);
        Assert.InRange(TestAudio.ToneFrequency(left.AsSpan(Rate / 2, Rate), Rate), 995, 1005);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(5000)] // more than libmpg123's resync limit: it gives up, and decoding starts afresh after the damage
    public void GarbageInside_IsSkipped_AndTheRestPlays(int garbage)
    {
        var path = Ffmpeg(_folder.File("damaged.mp3"), ["-f", "lavfi", "-i", "sine=frequency=1000:duration=4:sample_rate=44100", "-ac", "2", "-c:a", "libmp3lame", "-b:a", "128k", "-f", "mp3"]);
        var bytes = File.ReadAllBytes(path);
        var middle = bytes.Length / 2;
        File.WriteAllBytes(path, [.. bytes[..middle], .. RandomBytes(garbage, 2), .. bytes[middle..]]);

        var left = TestAudio.Channel(GaplessDecodingTests.DecodeAll(path), 2, 0);

        Assert.InRange(left.Length / (double)Rate, 3.8, 4.1); // a frame or two around the damage lost
        Assert.InRange(TestAudio.ToneFrequency(left.AsSpan(left.Length - (3 * Rate / 2), Rate), Rate), 995, 1005);
    }

    [Fact]
    public void AFileShrinkingOrVanishing_WhilePlaying_EndsCleanly()
    {
        var path = Ffmpeg(_folder.File("shrinks.mp3"), ["-f", "lavfi", "-i", "sine=frequency=1000:duration=20:sample_rate=44100", "-ac", "2", "-c:a", "libmp3lame", "-b:a", "128k", "-f", "mp3"]);
        var length = new FileInfo(path).Length;
        using var track = TrackDecoder.Open(path);
        var buffer = new float[StationFormat.FrameSamples * 2];
        long read = 0;
        while (read < Rate * 2)
        {
            read += track.Samples.Read(buffer);
        }

        // Rewritten shorter under the reader (a tag editor saving, a sync tool), then deleted.
        using (var writer = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete))
        {
            writer.SetLength(length * 3 / 10);
        }
        File.Delete(path);
        int n;
        while ((n = track.Samples.Read(buffer)) > 0)
        {
            read += n;
        }

        // What was left (6 s), or what had been read ahead (the FileStream's 64 KiB and the feed's, about 5 s): not the whole 20 s.
        Assert.InRange(read / 2.0 / Rate, 2.0, 8.0);
    }

    [Fact]
    public void FormatChangeMidFile_ComesOutInTheStationsFormat()
    {
        // Three encodes glued together, as some "MP3 mixes" are: 44.1 kHz stereo, 22.05 kHz mono, 48 kHz stereo.
        var parts = new[] { (1000, 44100, 2), (1500, 22050, 1), (500, 48000, 2) }
            .Select((p, i) => File.ReadAllBytes(Ffmpeg(_folder.File($"part{i}.mp3"), [
                "-f", "lavfi", "-i", FormattableString.Invariant($"sine=frequency={p.Item1}:duration=2:sample_rate={p.Item2}"),
                "-ac", p.Item3.ToString(CultureInfo.InvariantCulture), "-c:a", "libmp3lame", "-b:a", "64k", "-f", "mp3"])))
            .ToList();
        var path = _folder.File("glued.mp3");
        File.WriteAllBytes(path, [.. parts[0], .. parts[1], .. parts[2]]);

        using var track = TrackDecoder.Open(path);
        Assert.Equal((44100, 2), (track.SourceFormat.SampleRate, track.SourceFormat.Channels));
        Assert.Equal(StationFormat.WaveFormat, track.Samples.WaveFormat);
        var left = TestAudio.Channel(GaplessDecodingTests.DecodeAll(path), 2, 0);

        Assert.InRange(left.Length / (double)Rate, 5.95, 6.2); // each part's padding after the first
        Assert.InRange(TestAudio.ToneFrequency(left.AsSpan(Rate / 2, Rate), Rate), 995, 1005);
        Assert.InRange(TestAudio.ToneFrequency(left.AsSpan(Rate * 5 / 2, Rate), Rate), 1490, 1510);
        Assert.InRange(TestAudio.ToneFrequency(left.AsSpan(Rate * 9 / 2, Rate), Rate), 497, 503);
        // Nothing lost or padded in where the format changes but what the later parts carry: an info frame mid-stream is
        // not read, so it plays as one frame of silence, and their encoder delay (1,105 samples) stays: 76 ms at 22.05
        // kHz (from 2.00 s), 48 ms at 48 kHz (from 4.08 s: 2 s, 76 ms and the second part's padding).
        var quiet = new List<double>();
        for (var at = Rate / 10; at + (Rate / 100) < left.Length - (Rate / 10); at += Rate / 100)
        {
            if (TestAudio.Rms(left.AsSpan(at, Rate / 100)) < 0.05)
            {
                quiet.Add(at / (double)Rate);
            }
        }
        Assert.True(quiet.All(t => t is >= 1.99 and < 2.09 or >= 4.05 and < 4.16), $"quiet 10 ms windows at {string.Join(", ", quiet.Select(t => t.ToString("F2", CultureInfo.InvariantCulture)))} s");
    }

    private static byte[] RandomBytes(int count, int seed)
    {
        var bytes = new byte[count];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static string Ffmpeg(string path, string[] args)
    {
        using var ffmpeg = Process.Start(new ProcessStartInfo("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", .. args, path]) { RedirectStandardError = true })!;
        var errors = ffmpeg.StandardError.ReadToEnd();
        ffmpeg.WaitForExit();
        Assert.True(ffmpeg.ExitCode == 0, errors);
        return path;
    }
}
