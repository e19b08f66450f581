using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using RadioServer.Audio;
using RadioServer.Library;
using RadioServer.Station;
using RadioServer.Streaming;

namespace RadioServer.Benchmarks;

/// <summary>
/// The whole air chain as on air (the library round and round → decode → resample → LAME 128 kbps → frame assembly →
/// broadcast buffer) driven by a fake clock as fast as it goes. CPU per second of audio is what the
/// chain costs on air, without the waiting.
/// </summary>
internal static class ChainBenchmark
{
    public static void Run(string media, int minutes)
    {
        foreach (var quality in new[] { 5, 3, 7 })
        {
            var options = Options.Create(new RadioOptions { MediaPath = media, EncoderQuality = quality });
            var library = new MediaLibrary(new StationPaths(options), NullLogger<MediaLibrary>.Instance);
            var tracks = library.Scan();
            var time = new FakeTimeProvider();
            var buffer = new BroadcastBuffer(options);
            var chain = new AirChain(new RoundRobinPlayout(tracks), new LameMp3EncoderFactory(), buffer, options, time, NullLogger<AirChain>.Instance, new DeadAirDetector(Microsoft.Extensions.Options.Options.Create(new DeadAirOptions())));
            chain.Initialize();

            // Warm up (JIT, tiering) on 60 s of audio, then measure.
            Step(chain, time, 60);
            var peakBefore = Process.GetCurrentProcess().PeakWorkingSet64;
            var meter = new CpuMeter();
            var startSamples = chain.SamplesProduced;
            var startBytes = buffer.EndPosition;
            Step(chain, time, minutes * 60);
            var audio = (chain.SamplesProduced - startSamples) / (double)StationFormat.SampleRate;
            var cpu = meter.Cpu.TotalSeconds;
            Console.WriteLine();
            Console.WriteLine($"## Air chain, LAME -q {quality}, {tracks.Length} sample tracks looped, {audio / 60:F0} min of audio");
            Console.WriteLine($"  CPU:              {cpu:F2} s  (wall {meter.Wall.TotalSeconds:F2} s)");
            Console.WriteLine($"  speed:            {audio / cpu:F0}x real time");
            Console.WriteLine($"  CPU per hour air: {cpu / audio * 3600:F1} s  = {cpu / audio * 100:F2}% of one core");
            Console.WriteLine($"  allocated:        {meter.Allocated / audio / 1024:F1} KiB per second of audio");
            Console.WriteLine($"  memory:           managed heap {GC.GetTotalMemory(false) / 1048576.0:F1} MiB, peak working set {Math.Max(peakBefore, Process.GetCurrentProcess().PeakWorkingSet64) / 1048576.0:F1} MiB");
            Console.WriteLine($"  check:            {(buffer.EndPosition - startBytes) / audio * 8 / 1000:F1} kbps out");
        }
    }

    private static void Step(AirChain chain, FakeTimeProvider time, int seconds)
    {
        for (var i = 0; i < seconds; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            chain.ProduceDue();
        }
    }
}
