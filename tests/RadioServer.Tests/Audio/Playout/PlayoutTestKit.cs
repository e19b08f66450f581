using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using NAudio.Wave;
using RadioServer.Audio.Loudness;
using RadioServer.Library;

namespace RadioServer.Tests.Audio.Playout;

/// <summary>What the playout tests share: media made of tone and silence, their measured sound, and meters for what is served.</summary>
internal static partial class PlayoutTestKit
{
    public const int Rate = 44100;

    /// <summary>One piece of a test track: a stereo sine (997 Hz at x dBFS is x LUFS) or silence (frequency 0).</summary>
    public readonly record struct Piece(double Frequency, double Dbfs, double Seconds)
    {
        public static Piece Silence(double seconds) => new(0, double.NegativeInfinity, seconds);
    }

    /// <summary>Writes the pieces one after another as a 44.1 kHz stereo float WAV; returns its samples.</summary>
    public static float[] WriteWav(string path, params Piece[] pieces)
    {
        var samples = new List<float>();
        foreach (var piece in pieces)
        {
            var amplitude = piece.Frequency == 0 ? 0 : Math.Pow(10, piece.Dbfs / 20);
            var frames = (int)Math.Round(piece.Seconds * Rate);
            for (var i = 0; i < frames; i++)
            {
                var v = (float)(amplitude * Math.Sin(2 * Math.PI * piece.Frequency * i / Rate));
                samples.Add(v);
                samples.Add(v);
            }
        }
        using (var writer = new WaveFileWriter(path, WaveFormat.CreateIeeeFloatWaveFormat(Rate, 2)))
        {
            writer.WriteSamples([.. samples], 0, samples.Count);
        }
        return [.. samples];
    }

    /// <summary>
    /// The sound of rendered samples as the analysis would give it, measured here with libebur128: integrated loudness;
    /// cue-in and cue-out at the first and last audible sample (−60 dBFS), the start and end levels the short-term
    /// loudness 3 s after cue-in and before cue-out (or the integrated loudness when shorter).
    /// </summary>
    public static TrackSound Measure(float[] samples, TimeSpan? fadeOutStart = null)
    {
        using var meter = new LoudnessMeter(2, Rate, LoudnessMeasures.Integrated);
        meter.Add(samples);
        var threshold = Math.Pow(10, -60 / 20.0);
        var first = 0;
        while (first < samples.Length && Math.Abs(samples[first]) < threshold)
        {
            first++;
        }
        var last = samples.Length - 1;
        while (last > first && Math.Abs(samples[last]) < threshold)
        {
            last--;
        }
        var cueIn = TimeSpan.FromSeconds(first / 2 / (double)Rate);
        var cueOut = TimeSpan.FromSeconds(((last / 2) + 1) / (double)Rate);
        return new TrackSound(meter.Integrated, 0, null, cueIn, cueOut, fadeOutStart, meter.Integrated, meter.Integrated, TrackSoundSource.Analysis);
    }

    /// <summary>Integrated loudness of stereo samples by ffmpeg's ebur128 filter: an independent meter.</summary>
    public static double FfmpegLufs(string folder, float[] stereo, int rate)
    {
        var path = Path.Combine(folder, $"segment-{Guid.NewGuid():N}.wav");
        using (var writer = new WaveFileWriter(path, WaveFormat.CreateIeeeFloatWaveFormat(rate, 2)))
        {
            writer.WriteSamples(stereo, 0, stereo.Length);
        }
        var start = new ProcessStartInfo("ffmpeg", ["-hide_banner", "-nostats", "-i", path, "-af", "ebur128", "-f", "null", "-"]) { RedirectStandardError = true, RedirectStandardOutput = true };
        using var ffmpeg = Process.Start(start)!;
        var output = ffmpeg.StandardError.ReadToEnd();
        ffmpeg.WaitForExit();
        File.Delete(path);
        // The summary at the end: "Integrated loudness:\n    I:         -16.0 LUFS".
        var summary = output[output.LastIndexOf("Integrated loudness:", StringComparison.Ordinal)..];
        return double.Parse(IntegratedLine().Match(summary).Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"I:\s+(-?[\d.]+|-inf) LUFS")]
    private static partial Regex IntegratedLine();

    /// <summary>
    /// The amplitude of a <paramref name="frequency"/> sine in a Hann window of <paramref name="window"/> samples
    /// centred on <paramref name="centre"/> (Goertzel): a tone's own level, blind to the others.
    /// </summary>
    public static double ToneAmplitude(ReadOnlySpan<float> mono, int rate, double frequency, int centre, int window = 1024)
    {
        var from = Math.Max(0, centre - (window / 2));
        var to = Math.Min(mono.Length, from + window);
        var omega = 2 * Math.PI * frequency / rate;
        double re = 0, im = 0, weights = 0;
        for (var i = from; i < to; i++)
        {
            var w = 0.5 - (0.5 * Math.Cos(2 * Math.PI * (i - from) / (window - 1)));
            re += w * mono[i] * Math.Cos(omega * i);
            im -= w * mono[i] * Math.Sin(omega * i);
            weights += w;
        }
        return weights == 0 ? 0 : 2 * Math.Sqrt((re * re) + (im * im)) / weights;
    }

    /// <summary>The tone's amplitude every <paramref name="hop"/> samples over the whole signal.</summary>
    public static double[] Envelope(float[] mono, int rate, double frequency, int hop = 64, int window = 1024)
    {
        var result = new double[mono.Length / hop];
        for (var k = 0; k < result.Length; k++)
        {
            result[k] = ToneAmplitude(mono, rate, frequency, k * hop, window);
        }
        return result;
    }

    /// <summary>
    /// Seconds from the first to the last envelope point over <paramref name="threshold"/>, from <paramref name="fromSeconds"/>
    /// to <paramref name="toSeconds"/> (else 0.2 s before the end). The encoder's start-up, the stream's cut-off last frame
    /// and any tone starting at full level click across the spectrum: look where those are not.
    /// </summary>
    public static (double First, double Last) Heard(double[] envelope, int rate, double threshold, double fromSeconds = 0.2, double? toSeconds = null, int hop = 64)
    {
        double first = -1, last = -1;
        var end = toSeconds is { } to ? Math.Min(envelope.Length, (int)(to * rate / hop)) : envelope.Length - (int)(0.2 * rate / hop);
        for (var k = (int)(fromSeconds * rate / hop); k < end; k++)
        {
            if (envelope[k] > threshold)
            {
                if (first < 0)
                {
                    first = k * hop / (double)rate;
                }
                last = k * hop / (double)rate;
            }
        }
        return (first, last);
    }

    public static double Db(double amplitude) => 20 * Math.Log10(amplitude);

    public static double Amplitude(double dbfs) => Math.Pow(10, dbfs / 20);
}

/// <summary>A fixed analysis by file name: the test's own ITrackSounds.</summary>
internal sealed class FakeTrackSounds : ITrackSounds
{
    private readonly Dictionary<string, TrackSound> _sounds = new(StringComparer.Ordinal);

    public FakeTrackSounds Add(string fileName, TrackSound sound)
    {
        _sounds[fileName] = sound;
        return this;
    }

    public TrackSound? Find(TrackInfo track) => _sounds.GetValueOrDefault(Path.GetFileName(track.Path));
}
