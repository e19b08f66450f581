using System.Runtime.InteropServices;

namespace RadioServer.Interop;

internal static partial class Libc
{
    // <sys/resource.h>
    private const int PrioProcess = 0;

    /// <summary>
    /// Gives the calling thread (Linux: a thread's own nice value) the nice value <paramref name="nice"/> (19: the lowest), so
    /// background work yields to the air chain whenever both want a core. .NET's <see cref="Thread.Priority"/> does nothing on
    /// Linux for an unprivileged process; this does (raising one's own nice needs no privilege). False where it cannot.
    /// </summary>
    public static bool SetThreadNice(int nice)
    {
        if (!IsSupported)
        {
            return false;
        }
        try
        {
            return SetPriority(PrioProcess, (uint)GetTid(), nice) == 0;
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            return false;
        }
    }

    [LibraryImport(Library, EntryPoint = "setpriority", SetLastError = true)]
    private static partial int SetPriority(int which, uint who, int prio);

    [LibraryImport(Library, EntryPoint = "gettid")]
    private static partial int GetTid();
}
