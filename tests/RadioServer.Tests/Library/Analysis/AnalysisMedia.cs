using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using NAudio.Wave;

namespace RadioServer.Tests.Library.Analysis;

/// <summary>
/// Test media for the analysis: stereo 44.1 kHz float WAVs built from segments of a 997 Hz sine at a level in dBFS (a
/// stereo 997 Hz sine at −20 dBFS is −20 LUFS), silence and fades; and ffmpeg's ebur128 filter as the independent meter.
/// </summary>
internal static partial class AnalysisMedia
{
    public const int Rate = 44100;

    /// <summary>A piece of a test track: <paramref name="Seconds"/> long, its level going from <paramref name="FromDbfs"/> to <paramref name="ToDbfs"/> (null: silence).</summary>
    public readonly record struct Segment(double Seconds, double? FromDbfs, double? ToDbfs, double Frequency = 997)
    {
        public static Segment Silence(double seconds) => new(seconds, null, null);

        public static Segment Tone(double seconds, double dbfs, double frequency = 997) => new(seconds, dbfs, dbfs, frequency);

        public static Segment Fade(double seconds, double fromDbfs, double toDbfs) => new(seconds, fromDbfs, toDbfs);
    }

    /// <summary>Writes the segments one after another as float samples, streaming (a second at a time).</summary>
    public static void Write(string path, params Segment[] segments) => Write(path, WaveFormat.CreateIeeeFloatWaveFormat(Rate, 2), segments);

    /// <summary>As <see cref="Write(string, Segment[])"/>, 16-bit: half the size, for long files.</summary>
    public static void Write16(string path, params Segment[] segments) => Write(path, new WaveFormat(Rate, 16, 2), segments);

    private static void Write(string path, WaveFormat format, Segment[] segments)
    {
        using var writer = new WaveFileWriter(path, format);
        var buffer = new float[Rate * 2];
        long t = 0;
        foreach (var segment in segments)
        {
            var frames = (long)Math.Round(segment.Seconds * Rate);
            for (long done = 0; done < frames;)
            {
                var n = (int)Math.Min(Rate, frames - done);
                for (var i = 0; i < n; i++)
                {
                    var value = 0.0;
                    if (segment.FromDbfs is { } from && segment.ToDbfs is { } to)
                    {
                        var db = from + ((to - from) * (done + i) / frames);
                        value = Math.Pow(10, db / 20) * Math.Sin(2 * Math.PI * segment.Frequency * (t + i) / Rate);
                    }
                    buffer[2 * i] = (float)value;
                    buffer[(2 * i) + 1] = (float)value;
                }
                writer.WriteSamples(buffer, 0, n * 2);
                done += n;
                t += n;
            }
        }
    }

    /// <summary>ffmpeg's own EBU R128 meter on the file: integrated loudness (LUFS), loudness range (LU) and true peak (dBTP).</summary>
    public static (double Integrated, double Range, double TruePeak) Ffmpeg(string path)
    {
        var start = new ProcessStartInfo("ffmpeg", ["-nostdin", "-hide_banner", "-nostats", "-i", path, "-af", "ebur128=peak=true", "-f", "null", "-"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, stderr);
        // The summary at the end: "I: -20.0 LUFS", "LRA: 0.0 LU", "Peak: -19.9 dBFS" (true peak with peak=true).
        var summary = stderr[stderr.LastIndexOf("Summary:", StringComparison.Ordinal)..];
        return (Number(IntegratedLine(), summary), Number(RangeLine(), summary), Number(PeakLine(), summary));
    }

    private static double Number(Regex line, string text)
    {
        var match = line.Match(text);
        Assert.True(match.Success, $"no {line} in ffmpeg's summary:\n{text}");
        return match.Groups[1].Value == "-inf" ? double.NegativeInfinity : double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"\bI:\s+(-?[\d.]+|-inf) LUFS")]
    private static partial Regex IntegratedLine();

    [GeneratedRegex(@"\bLRA:\s+(-?[\d.]+) LU\b")]
    private static partial Regex RangeLine();

    [GeneratedRegex(@"\bPeak:\s+(-?[\d.]+|-inf) dBFS")]
    private static partial Regex PeakLine();
}
