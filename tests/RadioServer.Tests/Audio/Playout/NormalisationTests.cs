using Microsoft.Extensions.DependencyInjection;
using RadioServer.Library;
using RadioServer.Tests.Infrastructure;
using static RadioServer.Tests.Audio.Playout.PlayoutTestKit;

namespace RadioServer.Tests.Audio.Playout;

/// <summary>Items brought to the station's target loudness, and started at their cue-in and ended at their cue-out, as heard on the stream.</summary>
public sealed class NormalisationTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task ThreeTracks_AtMinus25_18_8Lufs_PlayOnAirWithinOneLuOfTheTarget_ByFfmpegsMeter()
    {
        // 997 Hz stereo sines: x dBFS is x LUFS. After their gains (+9, +2, -8 dB) every peak is at -16 dBFS: no limiter needed.
        var sounds = new FakeTrackSounds();
        double[] levels = [-25, -18, -8];
        for (var i = 0; i < levels.Length; i++)
        {
            var name = $"0{i + 1} Level - {levels[i]}.wav";
            sounds.Add(name, Measure(WriteWav(_folder.File(name), new Piece(997, levels[i], 6))));
        }
        await using var station = await TestStation.StartAsync(_folder.Media, new Dictionary<string, string?> { ["Radio:Sound:CrossfadeSeconds"] = "0" }, services: s => s.AddSingleton<ITrackSounds>(sounds));
        await using var listener = await StreamClient.ConnectAsync(station.Url("/stream"));
        await station.AdvanceAsync(TimeSpan.FromSeconds(18.5));
        await listener.WaitForAudioAsync(station.Buffer.EndPosition);

        var (samples, rate, _) = TestAudio.DecodeMp3(listener.Audio);
        for (var i = 0; i < levels.Length; i++)
        {
            // Each item's middle 4 s (its 6 s back to back, a second off each end for the codec's delay and the joins).
            var segment = samples[(((6 * i) + 1) * rate * 2)..(((6 * i) + 5) * rate * 2)];
            var lufs = FfmpegLufs(_folder.Path, segment, rate);
            Assert.True(Math.Abs(lufs - -16) <= 1, $"item {i + 1} (rendered at {levels[i]} LUFS) went on air at {lufs:F2} LUFS, not -16 ±1");
        }
    }

    [Fact]
    public async Task TheStationsOwnAnalysis_BringsMp3sAtMinus25_18_8Lufs_WithinOneLuOfTheTarget_ByFfmpegsMeter()
    {
        // No fakes: MP3s decoded by libmpg123, measured by the station's own background analysis (libebur128, cached in
        // its database), their gains applied by the playout. The second round is measured: by then every item is analysed.
        double[] levels = [-25, -18, -8];
        for (var i = 0; i < levels.Length; i++)
        {
            TestAudio.WriteToneMp3(_folder.File($"0{i + 1} Level - {-levels[i]}.mp3"), 997, 6, amplitude: (float)Math.Pow(10, levels[i] / 20));
        }
        await using var station = await TestStation.StartAsync(_folder.Media, new Dictionary<string, string?> { ["Radio:Sound:Analysis"] = "true", ["Radio:Sound:CrossfadeSeconds"] = "0" });
        var analysis = station.App.Services.GetRequiredService<RadioServer.Library.Analysis.LibraryAnalysis>();
        await analysis.WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.All(station.Library.Tracks, t => Assert.NotNull(analysis.Find(t)));
        await using var listener = await StreamClient.ConnectAsync(station.Url("/stream"));
        await station.AdvanceAsync(TimeSpan.FromSeconds(36.5));
        await listener.WaitForAudioAsync(station.Buffer.EndPosition);

        var (samples, rate, _) = TestAudio.DecodeMp3(listener.Audio);
        for (var i = 0; i < levels.Length; i++)
        {
            var from = 18 + (6 * i) + 1;
            var lufs = FfmpegLufs(_folder.Path, samples[(from * rate * 2)..((from + 4) * rate * 2)], rate);
            Assert.True(Math.Abs(lufs - -16) <= 1, $"item {i + 1} (an MP3 at {levels[i]} LUFS) went on air at {lufs:F2} LUFS, not -16 ±1");
        }
    }

    [Fact]
    public async Task Normalize_Off_PlaysAtUnityGain()
    {
        var sounds = new FakeTrackSounds().Add("01 Quiet.wav", Measure(WriteWav(_folder.File("01 Quiet.wav"), new Piece(997, -25, 4))));
        await using var station = await TestStation.StartAsync(_folder.Media, new Dictionary<string, string?> { ["Radio:Sound:Normalize"] = "false" }, services: s => s.AddSingleton<ITrackSounds>(sounds));
        await using var listener = await StreamClient.ConnectAsync(station.Url("/stream"));
        await station.AdvanceAsync(TimeSpan.FromSeconds(3.5));
        await listener.WaitForAudioAsync(station.Buffer.EndPosition);

        var (samples, rate, _) = TestAudio.DecodeMp3(listener.Audio);
        var lufs = FfmpegLufs(_folder.Path, samples[(rate * 2)..(3 * rate * 2)], rate);
        Assert.InRange(lufs, -26, -24);
    }

    [Fact]
    public async Task SilentTrack_GetsAtMostTheMaximumGain()
    {
        // A near-silent track (-60 LUFS) would need +44 dB to reach -16; it gets Radio:Sound:MaxGainDb (10).
        var sounds = new FakeTrackSounds().Add("01 Hiss.wav", Measure(WriteWav(_folder.File("01 Hiss.wav"), new Piece(997, -60, 4))));
        await using var station = await TestStation.StartAsync(_folder.Media, services: s => s.AddSingleton<ITrackSounds>(sounds));
        await using var listener = await StreamClient.ConnectAsync(station.Url("/stream"));
        await station.AdvanceAsync(TimeSpan.FromSeconds(3.5));
        await listener.WaitForAudioAsync(station.Buffer.EndPosition);

        var (samples, rate, _) = TestAudio.DecodeMp3(listener.Audio);
        var left = TestAudio.Channel(samples, 2, 0);
        var amplitude = ToneAmplitude(left, rate, 997, 2 * rate, 8192);
        Assert.InRange(Db(amplitude), -50.5, -49.5);
    }

    [Fact]
    public async Task CuePoints_LeadingSilenceOf3s_IsCut_AndTrailingSilenceNeverAired()
    {
        // The first item has 2 s of silence after its tone, the second 3 s before its own.
        var sounds = new FakeTrackSounds()
            .Add("01 First.wav", Measure(WriteWav(_folder.File("01 First.wav"), new Piece(440, -16, 3), Piece.Silence(2))))
            .Add("02 Second.wav", Measure(WriteWav(_folder.File("02 Second.wav"), Piece.Silence(3), new Piece(1000, -16, 3))));
        Assert.Equal(3, sounds.Find(Track("02 Second.wav"))!.CueIn.TotalSeconds, 2);
        await using var station = await TestStation.StartAsync(_folder.Media, new Dictionary<string, string?> { ["Radio:Sound:CrossfadeSeconds"] = "0" }, services: s => s.AddSingleton<ITrackSounds>(sounds));
        await using var listener = await StreamClient.ConnectAsync(station.Url("/stream"));
        await station.AdvanceAsync(TimeSpan.FromSeconds(5.5));
        await listener.WaitForAudioAsync(station.Buffer.EndPosition);

        var (samples, rate, _) = TestAudio.DecodeMp3(listener.Audio);
        var left = TestAudio.Channel(samples, 2, 0);
        var full = Amplitude(-16);
        var first = Heard(Envelope(left, rate, 440), rate, full / 2);
        var second = Heard(Envelope(left, rate, 1000), rate, full / 2);
        Assert.InRange(first.Last, 2.9, 3.1); // the first tone, its 3 s, from the start of the stream
        // The second tone starts where the first ends: neither the 2 s after it nor the 3 s before its own were aired.
        Assert.InRange(second.First - first.Last, 0, 0.1);
        Assert.InRange(TestAudio.LongestSilence(left, rate, skipStart: rate / 10), 0, 0.1);
    }

    private TrackInfo Track(string name) => new(_folder.File(name), name, "", name, null, TimeSpan.Zero);
}
