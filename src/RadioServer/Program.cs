using RadioServer;
using RadioServer.Audio.Interop;
using RadioServer.Hosting;

RuntimeTuning.ApplyBeforeStart(); // before anything touches the shared array pool

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
