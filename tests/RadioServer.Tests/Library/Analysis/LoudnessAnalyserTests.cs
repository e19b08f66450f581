using NAudio.Wave;
using RadioServer.Audio;
using RadioServer.Library;
using RadioServer.Library.Analysis;
using RadioServer.Tests.Infrastructure;
using static RadioServer.Tests.Library.Analysis.AnalysisMedia;

namespace RadioServer.Tests.Library.Analysis;

/// <summary>One track's analysis against the standard's reference tone, ffmpeg's ebur128 meter and the cue-point rules.</summary>
public sealed class LoudnessAnalyserTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Analyse_Sine997AtMinus20Dbfs_IsMinus20Lufs()
    {
        var path = _folder.File("reference.wav");
        Write(path, Segment.Tone(10, -20));

        var sound = LoudnessAnalyser.Analyse(path, CancellationToken.None);

        Assert.Equal(TrackSoundSource.Analysis, sound.Source);
        Assert.InRange(sound.IntegratedLufs, -20.1, -19.9);
        Assert.InRange(sound.LoudnessRange, 0, 0.5);
        Assert.InRange(sound.TruePeakDbtp!.Value, -20.1, -19.8);
        Assert.Equal(TimeSpan.Zero, sound.CueIn);
        Assert.Null(sound.CueOut); // loud to the very end: nothing to cut
        Assert.Null(sound.FadeOutStart);
        Assert.InRange(sound.StartLufs!.Value, -20.2, -19.8);
        Assert.InRange(sound.EndLufs!.Value, -20.2, -19.8);
    }

    private static readonly Dictionary<string, Segment[]> s_programmes = new()
    {
        { "quiet", [Segment.Tone(4, -31), Segment.Tone(3, -25, 440), Segment.Tone(3, -28, 3000)] },
        { "medium", [Segment.Fade(2, -40, -18), Segment.Tone(5, -18, 200), Segment.Tone(3, -14, 5000), Segment.Fade(3, -18, -45)] },
        // Hot: 4 kHz at -0.5 dBFS sampled at 44.1 kHz has inter-sample peaks above its sample peaks.
        { "hot", [Segment.Tone(3, -9, 60), Segment.Tone(4, -0.5, 4000), Segment.Tone(3, -6, 11025.0 / 2.5)] },
    };

    [Theory]
    [InlineData("quiet")]
    [InlineData("medium")]
    [InlineData("hot")]
    public void Analyse_LevelsAndPeaks_MatchFfmpegEbur128(string name)
    {
        var path = _folder.File($"{name}.wav");
        Write(path, s_programmes[name]);

        var sound = LoudnessAnalyser.Analyse(path, CancellationToken.None);
        var ffmpeg = Ffmpeg(path);

        Assert.InRange(sound.IntegratedLufs, ffmpeg.Integrated - 0.5, ffmpeg.Integrated + 0.5);
        Assert.InRange(sound.TruePeakDbtp!.Value, ffmpeg.TruePeak - 0.5, ffmpeg.TruePeak + 0.5);
        // LRA over a few seconds rests on few short-term windows: both meters' histograms round it differently.
        Assert.InRange(sound.LoudnessRange, ffmpeg.Range - 2, ffmpeg.Range + 2);
    }

    [Fact]
    public void Analyse_Mp3_MatchesFfmpegEbur128()
    {
        var path = _folder.File("tone.mp3");
        TestAudio.WriteToneMp3(path, 997, 6, amplitude: 0.25f);

        var sound = LoudnessAnalyser.Analyse(path, CancellationToken.None);
        var ffmpeg = Ffmpeg(path);

        Assert.InRange(sound.IntegratedLufs, ffmpeg.Integrated - 0.5, ffmpeg.Integrated + 0.5);
        Assert.InRange(sound.TruePeakDbtp!.Value, ffmpeg.TruePeak - 0.5, ffmpeg.TruePeak + 0.5);
    }

    [Fact]
    public void Analyse_ThreeSecondsOfLeadingSilence_CueInAtThreeSeconds()
    {
        var path = _folder.File("late.wav");
        Write(path, Segment.Silence(3), Segment.Tone(6, -14));

        var sound = LoudnessAnalyser.Analyse(path, CancellationToken.None);

        Assert.InRange(sound.CueIn.TotalSeconds, 2.9, 3.1);
        Assert.InRange(sound.IntegratedLufs, -14.1, -13.9); // the silence is gated out
        Assert.InRange(sound.StartLufs!.Value, -14.3, -13.9); // measured after the cue-in, not over the silence
    }

    [Fact]
    public void Analyse_TrailingSilence_CueOutWhereTheToneEnds()
    {
        var path = _folder.File("early.wav");
        Write(path, Segment.Tone(8, -12), Segment.Silence(4));

        var sound = LoudnessAnalyser.Analyse(path, CancellationToken.None);

        Assert.Equal(TimeSpan.Zero, sound.CueIn);
        Assert.NotNull(sound.CueOut);
        Assert.InRange(sound.CueOut.Value.TotalSeconds, 7.9, 8.1);
        // An abrupt ending falls at its cue-out: nothing to overlap.
        Assert.NotNull(sound.FadeOutStart);
        Assert.InRange(sound.FadeOutStart.Value.TotalSeconds, 7.8, 8.1);
    }

    [Fact]
    public void Analyse_FadeOutEnding_FadeOutStartsBeforeCueOut_AtMostSixSecondsBefore()
    {
        var path = _folder.File("fade.wav");
        // 20 s at -14, a 10 s fade to -80 dBFS, 2 s of silence.
        Write(path, Segment.Tone(20, -14), Segment.Fade(10, -14, -80), Segment.Silence(2));

        var sound = LoudnessAnalyser.Analyse(path, CancellationToken.None);

        Assert.NotNull(sound.CueOut);
        Assert.NotNull(sound.FadeOutStart);
        // The fade reaches integrated - 42 LU (about -56.5 dBFS) 6.4 s into it; -7 LU about 1 s in.
        Assert.InRange(sound.CueOut.Value.TotalSeconds, 25.6, 27);
        Assert.True(sound.FadeOutStart < sound.CueOut, $"fade-out {sound.FadeOutStart} is not before cue-out {sound.CueOut}");
        Assert.True(sound.CueOut - sound.FadeOutStart <= CuePoints.MaxOverlap, $"fade-out {sound.FadeOutStart}, cue-out {sound.CueOut}");
        Assert.InRange(sound.FadeOutStart.Value.TotalSeconds, 20.5, 21.6);
        // How the track leaves: the 3 s before the fade-out start, mostly at full level (its last second fading a little).
        Assert.InRange(sound.EndLufs!.Value, -15, -13.8);
    }

    [Fact]
    public void Analyse_Silence_IsMinusInfinity_WithoutCues()
    {
        var path = _folder.File("silent.wav");
        Write(path, Segment.Silence(5));

        var sound = LoudnessAnalyser.Analyse(path, CancellationToken.None);

        Assert.Equal(double.NegativeInfinity, sound.IntegratedLufs);
        Assert.Equal(TimeSpan.Zero, sound.CueIn);
        Assert.Null(sound.CueOut);
        Assert.Null(sound.FadeOutStart);
        Assert.Null(sound.StartLufs);
    }

    [Fact]
    public void Analyse_CorruptFile_Throws()
    {
        var path = _folder.File("corrupt.wav");
        File.WriteAllBytes(path, [.. "RIFF\x10\0\0\0WAVEjunk"u8, .. new byte[5000]]);

        Assert.ThrowsAny<Exception>(() => LoudnessAnalyser.Analyse(path, CancellationToken.None));
    }

    [Fact]
    public void Analyse_MinutesOfAudio_StreamsInConstantMemory()
    {
        LoudnessAnalyser.Analyse(new Tone(TimeSpan.FromSeconds(5)), out _, CancellationToken.None); // warm up (JIT)
        var before = GC.GetAllocatedBytesForCurrentThread();

        var sound = LoudnessAnalyser.Analyse(new Tone(TimeSpan.FromMinutes(3)), out var duration, CancellationToken.None);

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(180, duration.TotalSeconds, 3);
        Assert.InRange(sound.IntegratedLufs, -20.1, -19.9);
        // 3 minutes of audio is 64 MB of float samples; the analysis holds one 100 ms block (35 KB) and 4 bytes per block.
        Assert.True(allocated < 128 * 1024, $"{allocated:N0} bytes allocated for 3 minutes");
    }

    [Fact]
    public void Analyse_Cancelled_StopsWithinABlock()
    {
        using var cancel = new CancellationTokenSource();
        var source = new Tone(TimeSpan.FromHours(10), afterBlocks: 5, cancel);

        Assert.Throws<OperationCanceledException>(() => LoudnessAnalyser.Analyse(source, out _, cancel.Token));
        Assert.InRange(source.Blocks, 5, 6);
    }

    /// <summary>A 997 Hz sine at −20 dBFS, generated as it is read (nothing held), optionally cancelling after some blocks.</summary>
    private sealed class Tone(TimeSpan length, int afterBlocks = -1, CancellationTokenSource? cancel = null) : ISampleProvider
    {
        private readonly long _frames = (long)(length.TotalSeconds * StationFormat.SampleRate);
        private long _position;

        public int Blocks { get; private set; }

        public WaveFormat WaveFormat => StationFormat.WaveFormat;

        public int Read(Span<float> buffer)
        {
            if (++Blocks == afterBlocks)
            {
                cancel?.Cancel();
            }
            var frames = (int)Math.Min(buffer.Length / 2, _frames - _position);
            var amplitude = Math.Pow(10, -20 / 20.0);
            for (var i = 0; i < frames; i++)
            {
                var v = (float)(amplitude * Math.Sin(2 * Math.PI * 997 * (_position + i) / StationFormat.SampleRate));
                buffer[2 * i] = v;
                buffer[(2 * i) + 1] = v;
            }
            _position += frames;
            return frames * 2;
        }
    }
}
