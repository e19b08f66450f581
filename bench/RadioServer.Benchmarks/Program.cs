using System.Diagnostics;
using RadioServer.Benchmarks;

// dotnet run -c Release --project bench/RadioServer.Benchmarks -- [chain|encoder|decode|limiter|all] [--minutes N] [--media DIR]
//   ... -- analysis FILE... [--passes N]: the library analysis per file (bench/analysis.sh)
//   ... -- edge-delay --origin URL --edge URL [--seconds N]: the delay an edge adds to the audio (bench/cluster.sh delay)
var mode = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) ?? "all";
var minutes = ArgValue(args, "--minutes", 30);
var media = Path.GetFullPath(ArgOption(args, "--media") ?? Path.Combine(RepoRoot(), "media"));

Console.WriteLine($"# RadioServer benchmarks ({Environment.ProcessorCount} cores, .NET {Environment.Version}, {DateTime.UtcNow:yyyy-MM-dd})");
if (mode is "chain" or "all")
{
    ChainBenchmark.Run(media, minutes);
}
if (mode is "encoder" or "all")
{
    EncoderBenchmark.Run(minutes);
}
if (mode is "limiter" or "all")
{
    LimiterBenchmark.Run(Math.Min(minutes, 10));
}
if (mode is "decode" or "all")
{
    DecodeBenchmark.Run(media);
}
if (mode is "hub")
{
    HubLatencyBenchmark.Run(ArgOption(args, "--url") ?? "http://127.0.0.1:8000", ArgValue(args, "--clients", 2000), ArgValue(args, "--changes", 10), ArgValue(args, "--settle", 5));
}
if (mode is "live-delay")
{
    LiveDelayBenchmark.Run(ArgOption(args, "--url") ?? "http://127.0.0.1:8000", ArgOption(args, "--password") ?? Environment.GetEnvironmentVariable("Radio__Live__MasterPassword") ?? "", ArgValue(args, "--seconds", 60));
}
if (mode is "edge-delay")
{
    EdgeDelayBenchmark.Run(ArgOption(args, "--origin") ?? "http://127.0.0.1:8000/stream", ArgOption(args, "--edge") ?? "http://127.0.0.1:8001/stream", ArgValue(args, "--seconds", 30));
}
if (mode is "analysis")
{
    AnalysisBenchmark.Run(args.Skip(1).Where(a => !a.StartsWith("--", StringComparison.Ordinal) && File.Exists(a)), ArgValue(args, "--passes", 3));
    return 0;
}
if (mode is "nlayer")
{
    DecodeBenchmark.RunNLayerDirect(media);
}
return 0;

static int ArgValue(string[] args, string name, int fallback) =>
    ArgOption(args, name) is { } value ? int.Parse(value, System.Globalization.CultureInfo.InvariantCulture) : fallback;

static string? ArgOption(string[] args, string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

static string RepoRoot() => RadioServer.Station.StationPaths.FindRoot(AppContext.BaseDirectory);

namespace RadioServer.Benchmarks
{
    /// <summary>CPU time of this process (all threads: JIT, GC, the work) between two points.</summary>
    internal sealed class CpuMeter
    {
        private readonly TimeSpan _cpu = Process.GetCurrentProcess().TotalProcessorTime;
        private readonly long _allocated = GC.GetTotalAllocatedBytes(precise: true);
        private readonly Stopwatch _wall = Stopwatch.StartNew();

        public TimeSpan Cpu => Process.GetCurrentProcess().TotalProcessorTime - _cpu;

        public TimeSpan Wall => _wall.Elapsed;

        public long Allocated => GC.GetTotalAllocatedBytes(precise: true) - _allocated;
    }
}
