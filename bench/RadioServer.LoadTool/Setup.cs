namespace RadioServer.LoadTool;

internal static unsafe class Setup
{
    /// <summary>Raises RLIMIT_NOFILE's soft limit to the hard limit; false (with why) when the connections cannot fit.</summary>
    public static bool RaiseFileLimit(int connections, out string message)
    {
        var limit = stackalloc ulong[2];
        if (Native.GetRLimit(Native.RLIMIT_NOFILE, limit) != 0)
        {
            message = $"getrlimit(RLIMIT_NOFILE) failed: errno {Native.Errno}";
            return false;
        }
        if (limit[0] < limit[1])
        {
            limit[0] = limit[1];
            if (Native.SetRLimit(Native.RLIMIT_NOFILE, limit) != 0)
            {
                message = $"setrlimit(RLIMIT_NOFILE, {limit[1]}) failed: errno {Native.Errno}";
                return false;
            }
        }
        var open = Directory.GetFiles("/proc/self/fd").Length;
        var needed = (ulong)connections + (ulong)open + 16; // epoll fds and headroom for the runtime
        if (needed > limit[1])
        {
            message = $"{connections} connections need about {needed} file descriptors, but the hard limit (ulimit -Hn) is {limit[1]} " +
                $"and {open} are already open; lower --clients/--stalled/--hangup or raise the hard limit.";
            return false;
        }
        message = "";
        return true;
    }

    /// <summary>The kind of each connection in arrival order: the extras spread evenly among the measured listeners.</summary>
    public static ConnKind[] Kinds(LoadOptions o)
    {
        var kinds = new ConnKind[o.Total];
        var extras = o.StalledExtras + o.HangupExtras;
        int stalled = 0, hangup = 0;
        for (var j = 0; j < extras; j++)
        {
            var position = (int)((long)(j + 1) * o.Total / (extras + 1));
            var asStalled = hangup >= o.HangupExtras || (stalled < o.StalledExtras && j % 2 == 0);
            kinds[position] = asStalled ? ConnKind.Stalled : ConnKind.Hangup;
            if (asStalled)
            {
                stalled++;
            }
            else
            {
                hangup++;
            }
        }
        return kinds;
    }
}
