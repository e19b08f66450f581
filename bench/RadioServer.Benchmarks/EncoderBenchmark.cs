using RadioServer.Audio;

namespace RadioServer.Benchmarks;

/// <summary>LAME alone (through our binding) on a two-tone signal, at the qualities worth choosing between.</summary>
internal static class EncoderBenchmark
{
    public static void Run(int minutes)
    {
        const int frame = StationFormat.FrameSamples;
        var pcm = new float[frame * 2];
        var output = new byte[16384];
        Console.WriteLine();
        Console.WriteLine($"## LAME encoder alone, 128 kbps CBR joint stereo, {minutes} min of a two-tone signal");
        foreach (var quality in new[] { 3, 5, 7 })
        {
            using var encoder = new LameMp3Encoder(128, quality);
            var frames = minutes * 60 * StationFormat.SampleRate / frame;
            long phase = 0;
            Fill(pcm, ref phase);
            for (var i = 0; i < 200; i++)
            {
                encoder.Encode(pcm, output);
            }
            var meter = new CpuMeter();
            for (var i = 0; i < frames; i++)
            {
                Fill(pcm, ref phase);
                encoder.Encode(pcm, output);
            }
            var audio = frames * (double)frame / StationFormat.SampleRate;
            Console.WriteLine($"  -q {quality}: {audio / meter.Cpu.TotalSeconds:F0}x real time ({meter.Cpu.TotalSeconds / audio * 100:F2}% of one core on air)");
        }
    }

    private static void Fill(float[] pcm, ref long phase)
    {
        for (var i = 0; i < pcm.Length / 2; i++, phase++)
        {
            var t = phase / (double)StationFormat.SampleRate;
            pcm[2 * i] = (float)(0.3 * Math.Sin(2 * Math.PI * 440 * t) + 0.2 * Math.Sin(2 * Math.PI * 1320 * t));
            pcm[(2 * i) + 1] = (float)(0.3 * Math.Sin(2 * Math.PI * 554 * t) + 0.2 * Math.Sin(2 * Math.PI * 3300 * t));
        }
    }
}
