using System.Runtime;
using RadioServer.Interop;

namespace RadioServer.Hosting;

/// <summary>The runtime's garbage collector, and glibc's native heap after departures.</summary>
internal sealed class RuntimeHeapCollector : IHeapCollector
{
    private static bool s_noMallocTrim;

    // Two blocking gen1 collections: the first moves gen1 to gen2 and gen0 to gen1, the second the rest to gen2.
    // A gen2 collection would leave the newest objects in gen1, to be copied again in the middle of a fan-out.
    public void Settle()
    {
        GC.Collect(1, GCCollectionMode.Forced, blocking: true);
        GC.Collect(1, GCCollectionMode.Forced, blocking: true);
    }

    public void ReturnMemory()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        TrimNativeHeap();
    }

    // The runtime's own native allocations (sockets, threads' arenas) that thousands of connections grew stay
    // with glibc's malloc until it is asked to give free pages back.
    private static void TrimNativeHeap()
    {
        if (OperatingSystem.IsLinux() && !s_noMallocTrim && !Libc.TrimNativeHeap())
        {
            s_noMallocTrim = true; // not glibc
        }
    }
}
