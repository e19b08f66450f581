using System.Runtime.InteropServices;

namespace RadioServer.LoadTool;

/// <summary>The few libc calls the event loop needs (Linux, x86-64 and arm64 numbering).</summary>
internal static unsafe partial class Native
{
    private const string Libc = "libc";

    public const int AF_INET = 2;
    public const int SOCK_STREAM = 1;
    public const int SOCK_NONBLOCK = 0x800;
    public const int SOCK_CLOEXEC = 0x80000;
    public const int SOL_SOCKET = 1;
    public const int SO_ERROR = 4;
    public const int SO_RCVBUF = 8;
    public const int SO_RCVLOWAT = 18;
    public const int IPPROTO_IP = 0;
    public const int IP_BIND_ADDRESS_NO_PORT = 24;
    public const int MSG_TRUNC = 0x20;
    public const int MSG_NOSIGNAL = 0x4000;

    public const int EINTR = 4;
    public const int EAGAIN = 11;
    public const int EPIPE = 32;
    public const int ECONNRESET = 104;
    public const int ETIMEDOUT = 110;
    public const int ECONNREFUSED = 111;
    public const int EINPROGRESS = 115;

    public const int EPOLL_CLOEXEC = 0x80000;
    public const int EPOLL_CTL_ADD = 1;
    public const int EPOLL_CTL_DEL = 2;
    public const int EPOLL_CTL_MOD = 3;
    public const uint EPOLLIN = 0x001;
    public const uint EPOLLOUT = 0x004;
    public const uint EPOLLERR = 0x008;
    public const uint EPOLLHUP = 0x010;
    public const uint EPOLLRDHUP = 0x2000;

    public const int RLIMIT_NOFILE = 7;
    public const int RUSAGE_SELF = 0;

    /// <summary>struct epoll_event is packed (12 bytes) on x86-64, naturally aligned (16 bytes) elsewhere.</summary>
    public static readonly int EpollEventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;
    public static readonly int EpollDataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    [LibraryImport(Libc, EntryPoint = "socket", SetLastError = true)]
    public static partial int Socket(int domain, int type, int protocol);

    [LibraryImport(Libc, EntryPoint = "connect", SetLastError = true)]
    public static partial int Connect(int fd, byte* addr, uint addrLen);

    [LibraryImport(Libc, EntryPoint = "bind", SetLastError = true)]
    public static partial int Bind(int fd, byte* addr, uint addrLen);

    [LibraryImport(Libc, EntryPoint = "send", SetLastError = true)]
    public static partial nint Send(int fd, byte* buf, nuint len, int flags);

    [LibraryImport(Libc, EntryPoint = "recv", SetLastError = true)]
    public static partial nint Recv(int fd, byte* buf, nuint len, int flags);

    [LibraryImport(Libc, EntryPoint = "setsockopt", SetLastError = true)]
    public static partial int SetSockOpt(int fd, int level, int name, int* value, uint len);

    [LibraryImport(Libc, EntryPoint = "getsockopt", SetLastError = true)]
    public static partial int GetSockOpt(int fd, int level, int name, int* value, uint* len);

    [LibraryImport(Libc, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport(Libc, EntryPoint = "epoll_create1", SetLastError = true)]
    public static partial int EpollCreate1(int flags);

    [LibraryImport(Libc, EntryPoint = "epoll_ctl", SetLastError = true)]
    public static partial int EpollCtl(int epfd, int op, int fd, byte* ev);

    [LibraryImport(Libc, EntryPoint = "epoll_wait", SetLastError = true)]
    public static partial int EpollWait(int epfd, byte* events, int maxEvents, int timeoutMs);

    [LibraryImport(Libc, EntryPoint = "getrlimit", SetLastError = true)]
    public static partial int GetRLimit(int resource, ulong* rlim);

    [LibraryImport(Libc, EntryPoint = "setrlimit", SetLastError = true)]
    public static partial int SetRLimit(int resource, ulong* rlim);

    [LibraryImport(Libc, EntryPoint = "getrusage", SetLastError = true)]
    public static partial int GetRUsage(int who, long* usage);

    public static int Errno => Marshal.GetLastPInvokeError();

    /// <summary>epoll_ctl with the connection's index as the event's data.</summary>
    public static int EpollCtl(int epfd, int op, int fd, uint events, int index)
    {
        var ev = stackalloc byte[16];
        *(uint*)ev = events;
        *(ulong*)(ev + EpollDataOffset) = (ulong)index;
        return EpollCtl(epfd, op, fd, ev);
    }

    /// <summary>User + system CPU of the whole process, in seconds (getrusage RUSAGE_SELF).</summary>
    public static double ProcessCpuSeconds()
    {
        var usage = stackalloc long[18]; // struct rusage: two timevals then 14 longs
        if (GetRUsage(RUSAGE_SELF, usage) != 0)
        {
            return double.NaN;
        }
        return usage[0] + (usage[1] / 1e6) + usage[2] + (usage[3] / 1e6);
    }
}
