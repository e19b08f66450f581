using RadioServer;
using RadioServer.Audio.Interop;

// A track change writes one SignalR frame to every hub connection at once, and each write holds a
// buffer from ArrayPool<byte>.Shared until its socket send completes; the shared pool keeps only 32
// arrays per size and core, so 2,000 players turned ~8 MB per change into garbage (and GC pauses in the
// middle of the fan-out). Let it keep more, unless the operator chose a value. Read once, on the pool's
// first use, so this must come before anything else.
if (Environment.GetEnvironmentVariable("DOTNET_SYSTEM_BUFFERS_SHAREDARRAYPOOL_MAXARRAYSPERPARTITION") is null)
{
    Environment.SetEnvironmentVariable("DOTNET_SYSTEM_BUFFERS_SHAREDARRAYPOOL_MAXARRAYSPERPARTITION", "4096");
}

if (!LameInterop.TryLoad(out var problem))
{
    Console.Error.WriteLine(problem);
    return 1;
}

try
{
    await StationApp.Build(args).RunAsync();
    return 0;
}
catch (Microsoft.Extensions.Options.OptionsValidationException ex)
{
    // One clear line per bad setting, not a stack trace.
    foreach (var failure in ex.Failures)
    {
        Console.Error.WriteLine($"Invalid configuration: {failure}");
    }
    return 2;
}

/// <summary>The entry point, public so test hosts can find the assembly.</summary>
public partial class Program;
