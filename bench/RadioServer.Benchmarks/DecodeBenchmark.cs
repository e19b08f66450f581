using System.Diagnostics;
using NAudio.Wave;
using RadioServer.Audio;
using RadioServer.Audio.Decoding;
using RadioServer.Benchmarks.NLayerPath;

namespace RadioServer.Benchmarks;

/// <summary>
/// Each sample file decoded and converted to 44.1 kHz stereo float (no encoding): the decode side of the chain. MP3
/// files are decoded twice, side by side: the station's libmpg123 path (<see cref="TrackDecoder"/>) and the NLayer
/// path it replaced in issue 14 (NAudio's frame reader + NLayer, the same conversion after it). Besides the sample
/// media, two minutes of stereo pink noise encoded by ffmpeg's libmp3lame at 128 and 320 kbps, as music is harder
/// to decode than the sample tones. Speed is audio time over CPU time of the process (all threads: run it pinned,
/// <c>taskset -c 1</c>, for one core).
/// </summary>
internal static class DecodeBenchmark
{
    public static void Run(string media)
    {
        Console.WriteLine();
        Console.WriteLine("## Decode + convert to 44.1 kHz stereo, per file (x real time on CPU time; MP3: libmpg123, and NLayer before issue 14)");
        var generated = Path.Combine(Path.GetTempPath(), $"radioserver-decode-bench-{Environment.ProcessId}");
        Directory.CreateDirectory(generated);
        try
        {
            var files = Directory.EnumerateFiles(media).Where(TrackDecoder.IsSupported).Order(StringComparer.Ordinal).ToList();
            files.Add(PinkNoise(generated, "pink noise 120 s 44.1 kHz stereo 128k.mp3", "128k"));
            files.Add(PinkNoise(generated, "pink noise 120 s 44.1 kHz stereo 320k.mp3", "320k"));
            var buffer = new float[StationFormat.FrameSamples * 2];
            // Both paths to their final tier first (a second of each on the noise), so that neither file order nor
            // tiered compilation decides the figures.
            var warm = files[^2];
            Speed(() => OpenMpg123(warm), buffer);
            Speed(() => OpenNLayer(warm), buffer);
            foreach (var file in files)
            {
                using (var track = TrackDecoder.Open(file))
                {
                    var source = track.SourceFormat;
                    Console.Write($"  {Path.GetFileName(file),-48} {Path.GetExtension(file)[1..]} {source.SampleRate} Hz {source.Channels} ch {Bitrate(file),5}");
                }
                var speed = Speed(() => OpenMpg123(file), buffer);
                Console.Write($"  {speed,6:F0}x ({100 / speed:F2}% of a core)");
                if (Path.GetExtension(file).Equals(".mp3", StringComparison.OrdinalIgnoreCase))
                {
                    var before = Speed(() => OpenNLayer(file), buffer);
                    Console.Write($"  NLayer {before,5:F0}x ({100 / before:F2}%)  libmpg123 {speed / before:F1}x faster");
                }
                Console.WriteLine();
            }
        }
        finally
        {
            Directory.Delete(generated, recursive: true);
        }
    }

    /// <summary>NLayer's own MpegFile, no NAudio around it: shows what the NAudio glue costs.</summary>
    public static void RunNLayerDirect(string media)
    {
        var buffer = new float[StationFormat.FrameSamples * 2];
        foreach (var file in Directory.EnumerateFiles(media, "*.mp3").Order(StringComparer.Ordinal))
        {
            var meter = new CpuMeter();
            long samples = 0;
            int channels = 1, rate = 1;
            for (var pass = 0; pass < 10; pass++)
            {
                using var mpeg = new NLayer.MpegFile(file);
                (channels, rate) = (mpeg.Channels, mpeg.SampleRate);
                int read;
                while ((read = mpeg.ReadSamples(buffer, 0, buffer.Length)) > 0)
                {
                    samples += read;
                }
            }
            var audio = samples / (double)channels / rate;
            Console.WriteLine($"  NLayer MpegFile only: {Path.GetFileName(file),-48} {audio / meter.Cpu.TotalSeconds,6:F0}x real time");
        }
    }

    /// <summary>Audio seconds per CPU second: one warm-up pass, then passes until two CPU seconds have gone by (at least three).</summary>
    private static double Speed(Func<(ISampleProvider Samples, IDisposable Owner)> open, float[] buffer)
    {
        Drain(open, buffer); // warm-up: JIT, tiering, file cache
        var meter = new CpuMeter();
        long samples = 0;
        for (var pass = 0; pass < 3 || meter.Cpu < TimeSpan.FromSeconds(2); pass++)
        {
            samples += Drain(open, buffer);
        }
        return samples / (double)StationFormat.Channels / StationFormat.SampleRate / meter.Cpu.TotalSeconds;
    }

    private static long Drain(Func<(ISampleProvider Samples, IDisposable Owner)> open, float[] buffer)
    {
        var (samples, owner) = open();
        try
        {
            long total = 0;
            int read;
            while ((read = samples.Read(buffer)) > 0)
            {
                total += read;
            }
            return total;
        }
        finally
        {
            owner.Dispose();
        }
    }

    private static (ISampleProvider, IDisposable) OpenMpg123(string file)
    {
        var track = TrackDecoder.Open(file);
        return (track.Samples, track);
    }

    /// <summary>The station's MP3 path before issue 14: NAudio's frames, NLayer's decoder, the same conversion.</summary>
    private static (ISampleProvider, IDisposable) OpenNLayer(string file)
    {
        var samples = new OwnedSamples(new Mp3FileReaderBase(File.OpenRead(file), NLayerFrameDecompressor.Builder));
        return (samples, samples);
    }

    private static string Bitrate(string file)
    {
        if (!file.EndsWith(".mp3", StringComparison.OrdinalIgnoreCase))
        {
            return "";
        }
        using var reader = new Mp3FileReaderBase(File.OpenRead(file), NLayerFrameDecompressor.Builder);
        return $"{reader.Mp3WaveFormat.AverageBytesPerSecond * 8 / 1000}k";
    }

    private static string PinkNoise(string folder, string name, string bitrate)
    {
        var path = Path.Combine(folder, name);
        var psi = new ProcessStartInfo("ffmpeg", [
            "-hide_banner", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", "anoisesrc=color=pink:amplitude=0.25:duration=120:seed=1",
            "-f", "lavfi", "-i", "anoisesrc=color=pink:amplitude=0.25:duration=120:seed=2",
            "-filter_complex", "amerge=inputs=2", "-ar", "44100", "-c:a", "libmp3lame", "-b:a", bitrate, path])
        { RedirectStandardError = true };
        using var ffmpeg = Process.Start(psi)!;
        var errors = ffmpeg.StandardError.ReadToEnd();
        ffmpeg.WaitForExit();
        if (ffmpeg.ExitCode != 0)
        {
            throw new InvalidOperationException($"ffmpeg could not make {name}: {errors}");
        }
        return path;
    }

    /// <summary>A reader's station-format samples, disposing the reader with them.</summary>
    private sealed class OwnedSamples(WaveStream reader) : ISampleProvider, IDisposable
    {
        private readonly ISampleProvider _samples = TrackDecoder.ToStationFormat(reader);

        public WaveFormat WaveFormat => _samples.WaveFormat;

        public int Read(Span<float> buffer) => _samples.Read(buffer);

        public void Dispose() => reader.Dispose();
    }
}
