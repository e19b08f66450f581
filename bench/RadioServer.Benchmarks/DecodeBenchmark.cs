using RadioServer.Audio;
using RadioServer.Audio.Decoding;

namespace RadioServer.Benchmarks;

/// <summary>Each sample file decoded and converted to 44.1 kHz stereo float (no encoding): the decode side of the chain.</summary>
internal static class DecodeBenchmark
{
    public static void Run(string media)
    {
        Console.WriteLine();
        Console.WriteLine("## Decode + convert to 44.1 kHz stereo, per sample file (10 passes each)");
        var buffer = new float[StationFormat.FrameSamples * 2];
        foreach (var file in Directory.EnumerateFiles(media).Where(TrackDecoder.IsSupported).Order(StringComparer.Ordinal))
        {
            var (_, format) = Decode(file, buffer); // warm-up
            var meter = new CpuMeter();
            long samples = 0;
            for (var pass = 0; pass < 10; pass++)
            {
                samples += Decode(file, buffer).Samples;
            }
            var audio = samples / 2.0 / StationFormat.SampleRate;
            Console.WriteLine($"  {Path.GetFileName(file),-48} {format,-22} {audio / meter.Cpu.TotalSeconds,6:F0}x real time ({meter.Cpu.TotalSeconds / audio * 100:F2}% of one core)");
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

    private static (long Samples, string Format) Decode(string file, float[] buffer)
    {
        using var track = TrackDecoder.Open(file);
        var format = $"{Path.GetExtension(file)[1..]} {track.SourceFormat.SampleRate} Hz {track.SourceFormat.Channels} ch";
        long total = 0;
        int read;
        while ((read = track.Samples.Read(buffer)) > 0)
        {
            total += read;
        }
        return (total, format);
    }
}
