using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace RadioServer.Interop;

/// <summary>
/// Every call into the C library, in one place: non-blocking sendmsg/recv for the listener path, epoll for
/// connections still sending their request head, the open-file
/// limit and the descriptor count for the descriptor budget, malloc_trim for memory returned after a connection
/// wave, realpath for walking the media folder without following a link loop. Linux on x64/arm64 only (the struct layouts below are those ABIs'); callers check <see cref="IsSupported"/>
/// or catch <see cref="EntryPointNotFoundException"/>/<see cref="DllNotFoundException"/> where they can do without.
/// </summary>
internal static unsafe partial class Libc
{
    private const string Library = "libc";

    // <sys/socket.h>
    public const int MsgPeek = 0x2;
    public const int MsgDontWait = 0x40;
    public const int MsgNoSignal = 0x4000; // a write to a closed connection fails with EPIPE instead of raising SIGPIPE

    // <netinet/in.h>, <netinet/tcp.h>
    public const int IpProtoTcp = 6;
    public const int TcpDeferAccept = 9;

    // <errno.h>
    public const int EIntr = 4;
    public const int EAgain = 11;

    // <sys/resource.h>
    public const int RlimitNoFile = 7;

    // <sys/epoll.h>
    public const uint EpollIn = 0x001;
    public const uint EpollErr = 0x008;
    public const uint EpollHup = 0x010;
    public const uint EpollRdHup = 0x2000; // the peer shut down its writing side
    public const uint EpollEdgeTriggered = 1u << 31;
    private const int EpollCloExec = 0x80000;
    private const int EpollCtlAdd = 1;
    private const int EpollCtlDel = 2;

    // struct epoll_event { uint32_t events; uint64_t data; } is packed on x86-64 (12 bytes), naturally aligned on arm64 (16).
    private static readonly int s_epollEventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;
    private static readonly int s_epollDataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    /// <summary>Where the raw socket calls (and their struct layouts) are known to be right.</summary>
    public static bool IsSupported { get; } = OperatingSystem.IsLinux() && (RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64);

    /// <summary>One piece of a gathered write (struct iovec).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public void* Base;
        public nuint Length;

        /// <summary>A piece of an array on the pinned object heap: the GC never moves it, so its address stays valid.</summary>
        public static IoVec OfPinned(byte[] pinned, int offset, int length) => new()
        {
            Base = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(pinned)) + offset,
            Length = (nuint)length,
        };
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    /// <summary>
    /// sendmsg(2) without blocking: several pieces in one system call, no copy in user space. Bytes sent (may be
    /// fewer than offered); 0 when the socket's buffer is full; -1 on a broken connection.
    /// </summary>
    public static long Send(int fd, ReadOnlySpan<IoVec> pieces)
    {
        fixed (IoVec* iov = pieces)
        {
            var header = new MsgHdr { Iov = iov, IovLength = (nuint)pieces.Length };
            while (true)
            {
                var sent = sendmsg(fd, &header, MsgDontWait | MsgNoSignal);
                if (sent >= 0)
                {
                    return sent;
                }
                var error = Marshal.GetLastPInvokeError();
                if (error != EIntr)
                {
                    return error == EAgain ? 0 : -1;
                }
            }
        }
    }

    /// <summary>
    /// recv(2) without blocking, leaving the bytes in the socket when <paramref name="peek"/>: the byte count, 0 when
    /// nothing has arrived yet (or the peer closed), -1 on an error.
    /// </summary>
    public static int Receive(int fd, Span<byte> buffer, bool peek)
    {
        fixed (byte* data = buffer)
        {
            while (true)
            {
                var read = recv(fd, data, (nuint)buffer.Length, MsgDontWait | (peek ? MsgPeek : 0));
                if (read >= 0)
                {
                    return (int)read;
                }
                var error = Marshal.GetLastPInvokeError();
                if (error != EIntr)
                {
                    return error == EAgain ? 0 : -1;
                }
            }
        }
    }

    /// <summary>
    /// recv(2) with MSG_PEEK, without blocking: how many bytes are waiting (they stay in the socket); 0 when the peer
    /// has closed its side and nothing is left to read; -1 when nothing has arrived yet; -2 on an error.
    /// </summary>
    public static int Peek(int fd, Span<byte> buffer)
    {
        fixed (byte* data = buffer)
        {
            while (true)
            {
                var read = recv(fd, data, (nuint)buffer.Length, MsgDontWait | MsgPeek);
                if (read >= 0)
                {
                    return (int)read;
                }
                var error = Marshal.GetLastPInvokeError();
                if (error != EIntr)
                {
                    return error == EAgain ? -1 : -2;
                }
            }
        }
    }

    /// <summary>A new epoll instance (close-on-exec); invalid where it cannot be made.</summary>
    public static SafeEpollHandle EpollCreate() => epoll_create1(EpollCloExec);

    /// <summary>Watches <paramref name="fd"/> for <paramref name="events"/>; <paramref name="data"/> comes back with each event.</summary>
    public static bool EpollAdd(SafeEpollHandle epoll, int fd, uint events, ulong data)
    {
        var native = stackalloc byte[16];
        Unsafe.WriteUnaligned(native, events);
        Unsafe.WriteUnaligned(native + s_epollDataOffset, data);
        return epoll_ctl(epoll, EpollCtlAdd, fd, native) == 0;
    }

    /// <summary>Stops watching <paramref name="fd"/> (before it is closed or handed on).</summary>
    public static bool EpollRemove(SafeEpollHandle epoll, int fd)
    {
        var native = stackalloc byte[16]; // ignored by EPOLL_CTL_DEL, but kernels before 2.6.9 wanted one
        return epoll_ctl(epoll, EpollCtlDel, fd, native) == 0;
    }

    /// <summary>
    /// Waits up to <paramref name="timeoutMilliseconds"/> for events and fills <paramref name="events"/> with
    /// (events, data) pairs: how many were filled, 0 on a timeout or an interrupted wait, -1 on an error.
    /// </summary>
    public static int EpollWait(SafeEpollHandle epoll, Span<(uint Events, ulong Data)> events, int timeoutMilliseconds)
    {
        var size = s_epollEventSize;
        var native = stackalloc byte[events.Length * size];
        var count = epoll_wait(epoll, native, events.Length, timeoutMilliseconds);
        if (count < 0)
        {
            return Marshal.GetLastPInvokeError() == EIntr ? 0 : -1;
        }
        for (var i = 0; i < count; i++)
        {
            var e = native + (i * size);
            events[i] = (Unsafe.ReadUnaligned<uint>(e), Unsafe.ReadUnaligned<ulong>(e + s_epollDataOffset));
        }
        return count;
    }

    /// <summary>The process' soft open-file limit, or <see cref="long.MaxValue"/> where it cannot be read or is unlimited.</summary>
    public static long OpenFileLimit()
    {
        if (!OperatingSystem.IsLinux())
        {
            return long.MaxValue;
        }
        try
        {
            Span<ulong> limits = stackalloc ulong[2]; // struct rlimit { rlim_cur, rlim_max }
            return getrlimit(RlimitNoFile, ref MemoryMarshal.GetReference(limits)) == 0 && limits[0] < long.MaxValue
                ? (long)limits[0] : long.MaxValue;
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            return long.MaxValue;
        }
    }

    /// <summary>
    /// How many entries a directory has besides "." and "..", read with readdir alone (no stat per entry: ~2 ms for
    /// /proc/self/fd at 20,000 descriptors); -1 where it cannot be read.
    /// </summary>
    public static long CountEntries(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return -1;
        }
        try
        {
            using var dir = opendir(path);
            if (dir.IsInvalid)
            {
                return -1;
            }
            long count = 0;
            while (readdir(dir) != 0)
            {
                count++;
            }
            return Math.Max(0, count - 2);
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            return -1;
        }
    }

    /// <summary>The canonical absolute path (every symlink resolved, realpath(3)); null where it cannot be resolved.</summary>
    public static string? RealPath(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return Path.GetFullPath(path);
        }
        var resolved = realpath(path, 0);
        if (resolved == 0)
        {
            return null;
        }
        try
        {
            return Marshal.PtrToStringUTF8(resolved);
        }
        finally
        {
            free(resolved);
        }
    }

    /// <summary>Gives glibc's free heap pages back to the system; false where this is not glibc.</summary>
    public static bool TrimNativeHeap()
    {
        try
        {
            malloc_trim(0);
            return true;
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            return false;
        }
    }

    [LibraryImport(Library, SetLastError = true)]
    private static partial nint sendmsg(int fd, MsgHdr* message, int flags);

    [LibraryImport(Library, SetLastError = true)]
    private static partial nint recv(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport(Library, SetLastError = true)]
    private static partial SafeEpollHandle epoll_create1(int flags);

    [LibraryImport(Library, SetLastError = true)]
    private static partial int epoll_ctl(SafeEpollHandle epoll, int op, int fd, byte* @event);

    [LibraryImport(Library, SetLastError = true)]
    private static partial int epoll_wait(SafeEpollHandle epoll, byte* events, int maxEvents, int timeout);

    [LibraryImport(Library)]
    private static partial int close(nint fd);

    [LibraryImport(Library)]
    private static partial int getrlimit(int resource, ref ulong limits);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial SafeDirectoryHandle opendir(string path);

    [LibraryImport(Library)]
    private static partial nint readdir(SafeDirectoryHandle dir);

    [LibraryImport(Library)]
    private static partial int closedir(nint dir);

    [LibraryImport(Library)]
    private static partial int malloc_trim(nuint pad);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint realpath(string path, nint resolved);

    [LibraryImport(Library)]
    private static partial void free(nint pointer);

    /// <summary>An epoll instance's descriptor, closed however its owner ends.</summary>
    internal sealed class SafeEpollHandle() : SafeHandleMinusOneIsInvalid(ownsHandle: true)
    {
        protected override bool ReleaseHandle() => close(handle) == 0;
    }

    /// <summary>An open directory stream (DIR*), closed with closedir however the reading ends.</summary>
    internal sealed class SafeDirectoryHandle() : SafeHandleZeroOrMinusOneIsInvalid(ownsHandle: true)
    {
        protected override bool ReleaseHandle() => closedir(handle) == 0;
    }
}
