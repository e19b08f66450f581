using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace RadioServer.Streaming;

/// <summary>
/// sendmsg(2) without blocking: several pieces of pinned arrays (audio chunks, an ICY block) in one system
/// call, no copy in user space, no allocation; and recv(2) without blocking for a listener's request. Linux only; the stream endpoint falls back to Kestrel's
/// response pipe where this is not available.
/// </summary>
internal static unsafe partial class SocketSend
{
    public const int MaxPieces = 16;
    private const int MsgPeek = 0x2;
    private const int MsgDontWait = 0x40;
    private const int MsgNoSignal = 0x4000;
    private const int EIntr = 4;
    private const int EAgain = 11;

    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public void* Base;
        public nuint Length;
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

    public static bool IsSupported { get; } = OperatingSystem.IsLinux() && (RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64);

    /// <summary>The address of a pinned array's element (the array must be on the pinned object heap).</summary>
    public static void* AddressOf(byte[] pinned, int offset) =>
        (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(pinned)) + offset;

    /// <summary>Bytes sent (may be fewer than offered); 0 when the socket's buffer is full; -1 with <paramref name="error"/> on a broken connection.</summary>
    public static long Send(int fd, ReadOnlySpan<IoVec> pieces, out int error)
    {
        error = 0;
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
                error = Marshal.GetLastPInvokeError();
                if (error == EIntr)
                {
                    continue;
                }
                return error == EAgain ? 0 : -1;
            }
        }
    }

    /// <summary>
    /// Reads without blocking what has arrived, leaving it in the socket when <paramref name="peek"/>: the
    /// byte count, 0 when nothing has arrived yet (or the peer closed), -1 on an error.
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
                if (error == EIntr)
                {
                    continue;
                }
                return error == EAgain ? 0 : -1;
            }
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint sendmsg(int fd, MsgHdr* message, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint recv(int fd, byte* buffer, nuint length, int flags);
}
