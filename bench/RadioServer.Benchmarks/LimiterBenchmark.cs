using RadioServer.Audio;
using RadioServer.Audio.Loudness;

namespace RadioServer.Benchmarks;

/// <summary>
/// The true-peak limiter and the on-air meter on the air chain's frames (1,152 stereo samples), alone: programme under
/// the ceiling (the limiter at rest: detector and copy), and a hot programme the limiter works on all the time.
/// </summary>
internal static class LimiterBenchmark
{
    public static void Run(int minutes)
    {
        const int frame = StationFormat.FrameSamples;
        var frames = Math.Max(1, minutes * 60 * StationFormat.SampleRate / frame);
        Console.WriteLine();
        Console.WriteLine($"## True-peak limiter + on-air meter, {minutes} min of audio in {frame}-sample frames");
        foreach (var (name, amplitude) in new[] { ("under the ceiling (at rest)", 0.4), ("hot (limiting all the time)", 1.6) })
        {
            var pcm = new float[frame * 2];
            var limiter = new TruePeakLimiter(-1);
            using var meter = new OnAirMeter();
            long phase = 0;
            for (var i = 0; i < 200; i++)
            {
                Fill(pcm, ref phase, amplitude);
                limiter.Process(pcm);
                meter.Observe(pcm, limiter.InputPeak, limiter.OutputPeak, limiter.MinGain);
            }
            // The signal is made outside the measured time: one frame's worth, reused with a changing sign.
            Fill(pcm, ref phase, amplitude);
            var source = (float[])pcm.Clone();
            var cpu = new CpuMeter();
            var section = new CpuMeter();
            for (var i = 0; i < frames; i++)
            {
                source.CopyTo(pcm, 0);
                limiter.Process(pcm);
            }
            var limiterCpu = section.Cpu;
            section = new CpuMeter();
            for (var i = 0; i < frames; i++)
            {
                meter.Observe(pcm, limiter.InputPeak, limiter.OutputPeak, limiter.MinGain);
            }
            var meterCpu = section.Cpu;
            var audio = frames * (double)frame / StationFormat.SampleRate;
            var samples = frames * (double)frame;
            Console.WriteLine($"  {name}: limiter {limiterCpu.TotalNanoseconds / samples:F1} ns/frame ({limiterCpu.TotalSeconds / audio * 100:F3}% of one core), "
                + $"meter {meterCpu.TotalNanoseconds / samples:F1} ns/frame ({meterCpu.TotalSeconds / audio * 100:F3}%), "
                + $"together {(limiterCpu + meterCpu).TotalSeconds / audio * 100:F3}% of one core on air (process CPU {cpu.Cpu.TotalSeconds / audio * 100:F3}%), {cpu.Allocated} bytes allocated");
        }
    }

    private static void Fill(float[] pcm, ref long phase, double amplitude)
    {
        for (var i = 0; i < pcm.Length / 2; i++, phase++)
        {
            var t = phase / (double)StationFormat.SampleRate;
            pcm[2 * i] = (float)(amplitude * ((0.6 * Math.Sin(2 * Math.PI * 440 * t)) + (0.4 * Math.Sin(2 * Math.PI * 3300 * t))));
            pcm[(2 * i) + 1] = (float)(amplitude * ((0.6 * Math.Sin(2 * Math.PI * 554 * t)) + (0.4 * Math.Sin(2 * Math.PI * 9000 * t))));
        }
    }
}
