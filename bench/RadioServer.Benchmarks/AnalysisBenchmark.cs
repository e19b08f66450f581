using System.Globalization;
using RadioServer.Audio.Decoding;
using RadioServer.Library.Analysis;

namespace RadioServer.Benchmarks;

/// <summary>
/// The library analysis (decode + libebur128 integrated, LRA, true peak, momentary series, cue points) per file, in x
/// real time of this process' CPU (run it under taskset for one core), beside decoding alone. One tab-separated line a
/// file for bench/analysis.sh: file, audio seconds, CPU seconds a pass, x real time, decode-only x real time, LUFS, dBTP.
/// </summary>
internal static class AnalysisBenchmark
{
    public static void Run(IEnumerable<string> files, int passes)
    {
        var buffer = new float[4410 * 2];
        foreach (var file in files)
        {
            LoudnessAnalyser.Analyse(file, out var duration, CancellationToken.None); // warm-up: JIT, page cache
            var meter = new CpuMeter();
            var sound = LoudnessAnalyser.Analyse(file, CancellationToken.None);
            for (var pass = 1; pass < passes; pass++)
            {
                LoudnessAnalyser.Analyse(file, CancellationToken.None);
            }
            var cpu = meter.Cpu.TotalSeconds / passes;
            var decode = new CpuMeter();
            for (var pass = 0; pass < passes; pass++)
            {
                using var track = TrackDecoder.Open(file);
                while (track.Samples.Read(buffer) > 0)
                {
                }
            }
            var decodeCpu = decode.Cpu.TotalSeconds / passes;
            var audio = duration.TotalSeconds;
            Console.WriteLine(string.Join('\t',
                Path.GetFileName(file),
                audio.ToString("F1", CultureInfo.InvariantCulture),
                cpu.ToString("F3", CultureInfo.InvariantCulture),
                (audio / cpu).ToString("F0", CultureInfo.InvariantCulture),
                (audio / decodeCpu).ToString("F0", CultureInfo.InvariantCulture),
                sound.IntegratedLufs.ToString("F1", CultureInfo.InvariantCulture),
                (sound.TruePeakDbtp ?? double.NaN).ToString("F1", CultureInfo.InvariantCulture)));
        }
    }
}
