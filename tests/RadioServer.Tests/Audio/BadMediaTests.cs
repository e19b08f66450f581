using System.Diagnostics;
using Microsoft.Extensions.Logging;
using RadioServer.Tests.Infrastructure;

namespace RadioServer.Tests.Audio;

public sealed class BadMediaTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task BadFiles_AreSkippedWithAWarning_AndTheAirNeverGoesSilent()
    {
        // libmpg123 finds false frame headers in noise: headerless PCM, and a WAV, renamed .mp3 must not play as noise.
        // First in the rotation: the playout tries eight files a block, and six more bad ones follow the first track.
        File.WriteAllBytes(_folder.File("00a Bad - Noise.mp3"), PinkNoisePcm());
        TestAudio.WriteToneWav(_folder.File("00b Bad - Renamed.mp3"), 1000, seconds: 3);
        TestAudio.WriteToneWav(_folder.File("01 Good - First.wav"), 1000, seconds: 3);
        File.WriteAllText(_folder.File("02 Bad - Corrupt.mp3"), string.Concat(Enumerable.Repeat("this is not an mp3 file ", 2000)));
        File.WriteAllBytes(_folder.File("03 Bad - Empty.wav"), []);
        TestAudio.WriteToneWav(_folder.File("04 Bad - NoAudio.wav"), 1000, seconds: 0);
        TestAudio.WriteToneMp3(_folder.File("tmp.mp3"), 1000, seconds: 3);
        File.WriteAllBytes(_folder.File("05 Bad - Truncated.mp3"), File.ReadAllBytes(_folder.File("tmp.mp3"))[..300]);
        File.Delete(_folder.File("tmp.mp3"));
        File.WriteAllText(_folder.File("06 Bad - Fake.aiff"), "FORM but not really");
        TestAudio.WriteToneWav(_folder.File("07 Bad - Vanished.wav"), 1000, seconds: 3);
        File.WriteAllText(_folder.File("notes.txt"), "not media");
        TestAudio.WriteToneWav(_folder.File("08 Good - Second.wav"), 1500, seconds: 3);

        await using var station = await TestStation.StartAsync(_folder.Media, new Dictionary<string, string?> { ["Radio:MetaInt"] = "2000" });
        Assert.Equal(10, station.Library.Tracks.Length); // the .txt is not media
        File.Delete(_folder.File("07 Bad - Vanished.wav")); // gone between the scan and its turn

        await using var listener = await StreamClient.ConnectAsync(station.Url("/stream"), icyMetadata: true);
        await station.AdvanceAsync(TimeSpan.FromSeconds(5.5));
        await listener.WaitForAudioAsync(station.Buffer.EndPosition);

        var (samples, rate, channels) = TestAudio.DecodeMp3(listener.Audio);
        var left = TestAudio.Channel(samples, channels, 0);
        Assert.True(left.Length > 5 * rate);
        // From just after LAME's start-up to the end: at most 100 ms of quiet, across the skipped files.
        Assert.InRange(TestAudio.LongestSilence(left, rate, skipStart: rate / 10), 0, 0.1);
        // First tone, then directly the second one.
        Assert.InRange(TestAudio.ToneFrequency(left.AsSpan(rate / 2, rate * 2), rate), 995, 1005);
        Assert.InRange(TestAudio.ToneFrequency(left.AsSpan((int)(rate * 3.5), rate), rate), 1490, 1510);

        var titles = listener.Blocks.Select(b => b.StreamTitle).OfType<string>().ToList();
        Assert.Equal(["Good - First", "Good - Second"], titles);

        var warnings = station.Logs.Entries.Where(e => e.Level == LogLevel.Warning).Select(e => e.Message).ToList();
        foreach (var bad in new[] { "00a Bad - Noise.mp3", "00b Bad - Renamed.mp3", "02 Bad - Corrupt.mp3", "03 Bad - Empty.wav", "04 Bad - NoAudio.wav", "05 Bad - Truncated.mp3", "06 Bad - Fake.aiff", "07 Bad - Vanished.wav" })
        {
            Assert.True(warnings.Any(w => w.Contains(bad, StringComparison.Ordinal)), $"no warning names {bad}:\n{string.Join("\n", warnings)}");
        }
        Assert.DoesNotContain(station.Logs.Entries, e => e.Level >= LogLevel.Error);
        Assert.Equal(2, station.Library.Tracks.Length); // the bad ones left the rotation
    }

    /// <summary>Three seconds of pink noise as headerless 16-bit stereo PCM (ffmpeg's anoisesrc).</summary>
    private static byte[] PinkNoisePcm()
    {
        var psi = new ProcessStartInfo("ffmpeg", ["-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "anoisesrc=duration=3:color=pink:amplitude=0.3:seed=1", "-ac", "2", "-f", "s16le", "-"])
        {
            RedirectStandardOutput = true,
        };
        using var ffmpeg = Process.Start(psi)!;
        using var pcm = new MemoryStream();
        ffmpeg.StandardOutput.BaseStream.CopyTo(pcm);
        ffmpeg.WaitForExit();
        Assert.Equal(0, ffmpeg.ExitCode);
        return pcm.ToArray();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task EmptyOrMissingMediaFolder_StillStreamsValidSilence(bool folderExists)
    {
        var media = folderExists ? _folder.Media : Path.Combine(_folder.Path, "no-such-folder");
        await using var station = await TestStation.StartAsync(media, new Dictionary<string, string?> { ["Radio:StationName"] = "Quiet FM" });
        await using var listener = await StreamClient.ConnectAsync(station.Url("/stream"), icyMetadata: true);
        await station.AdvanceAsync(TimeSpan.FromSeconds(3));
        await listener.WaitForAudioAsync(station.Buffer.EndPosition);

        var frames = TestAudio.Frames(listener.Audio);
        Assert.InRange(frames.Count, 100, 116);
        var (samples, _, _) = TestAudio.DecodeMp3(listener.Audio);
        Assert.True(TestAudio.Rms(samples) < 1e-4);
        Assert.Contains(station.Logs.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("plays silence", StringComparison.Ordinal));
        Assert.Equal("Quiet FM", listener.Blocks[0].StreamTitle); // the station's name while nothing plays
    }

    [Fact]
    public async Task RealPlayer_Mpg123_DecodesTenSecondsOfTheLiveStream()
    {
        TestAudio.WriteToneWav(_folder.File("A - For mpg123.wav"), 440, seconds: 60);
        // The real clock and the air chain's own loop, as on air: this takes about ten seconds.
        await using var station = await TestStation.StartAsync(_folder.Media, fakeTime: false);
        var wav = Path.Combine(_folder.Path, "mpg123.wav");

        // 383 frames of 1152 samples = 10.0 s.
        var psi = new ProcessStartInfo("mpg123", ["-n", "383", "-w", wav, station.Url("/stream").ToString()])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        using var mpg123 = Process.Start(psi)!;
        var stderr = mpg123.StandardError.ReadToEndAsync();
        await mpg123.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(40));
        var log = await stderr;
        Assert.True(mpg123.ExitCode == 0, log);
        Assert.DoesNotContain("error", log, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("StreamTitle='A - For mpg123'", log);

        using var reader = new NAudio.Wave.WaveFileReader(wav);
        Assert.Equal(44100, reader.WaveFormat.SampleRate);
        Assert.Equal(2, reader.WaveFormat.Channels);
        Assert.InRange(reader.TotalTime.TotalSeconds, 9.95, 10.05);
        Assert.Equal(0, station.Chain.Underruns);
    }
}
