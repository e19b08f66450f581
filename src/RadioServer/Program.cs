using Microsoft.Extensions.Options;
using RadioServer;
using RadioServer.Interop;
using RadioServer.Hosting;

RuntimeTuning.ApplyBeforeStart(); // before anything touches the shared array pool

foreach (var library in NativeLibraries.All)
{
    if (!NativeLibraries.TryLoad(library, out var problem))
    {
        Console.Error.WriteLine(problem);
        return 1;
    }
}

try
{
    await StationApp.Build(args).RunAsync();
    return 0;
}
catch (Exception ex) when (InvalidSettings(ex) is { } failures)
{
    // One clear line per bad setting, not a stack trace.
    foreach (var failure in failures)
    {
        Console.Error.WriteLine($"Invalid configuration: {failure}");
    }
    return 2;
}

// Validation at start throws one OptionsValidationException per bad section, several in an AggregateException.
static IEnumerable<string>? InvalidSettings(Exception ex) => ex switch
{
    OptionsValidationException one => one.Failures,
    AggregateException many when many.InnerExceptions.All(e => e is OptionsValidationException) =>
        many.InnerExceptions.SelectMany(e => ((OptionsValidationException)e).Failures),
    _ => null,
};

/// <summary>The entry point, public so test hosts can find the assembly.</summary>
public partial class Program;
