namespace RadioServer.Hosting;

/// <summary>Runtime settings that must be in place before the first allocation they govern; Program calls this first.</summary>
internal static class RuntimeTuning
{
    private const string MaxArraysPerPartition = "DOTNET_SYSTEM_BUFFERS_SHAREDARRAYPOOL_MAXARRAYSPERPARTITION";

    public static void ApplyBeforeStart()
    {
        // A track change writes one SignalR frame to every hub connection at once, and each write holds a
        // buffer from ArrayPool<byte>.Shared until its socket send completes; the shared pool keeps only 32
        // arrays per size and core, so 2,000 players turned ~8 MB per change into garbage (and GC pauses in the
        // middle of the fan-out). Let it keep more, unless the operator chose a value. Read once, on the pool's
        // first use, so this must come before anything else.
        if (Environment.GetEnvironmentVariable(MaxArraysPerPartition) is null)
        {
            Environment.SetEnvironmentVariable(MaxArraysPerPartition, "4096");
        }
    }
}
