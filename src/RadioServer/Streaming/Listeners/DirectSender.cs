using System.Net.Sockets;
using System.Runtime.CompilerServices;
using RadioServer.Interop;

namespace RadioServer.Streaming.Listeners;

/// <summary>
/// Writes one listener's socket straight from the shared chunks: the raw response head, then audio with ICY
/// blocks where they fall, several pieces per non-blocking sendmsg, no copy, no allocation. Every array it
/// hands the kernel is on the pinned object heap (chunks, heads, ICY blocks: see README.md). The socket handle
/// is referenced from <see cref="DirectSender(ListenerSession, SafeSocketHandle, long, byte[])"/> until
/// <see cref="Detach"/>, so its descriptor cannot be closed and reused under a send. One thread pumps a sender
/// at a time: the request that sends the burst, then only the Broadcaster.
/// </summary>
internal sealed class DirectSender
{
    public const int MaxPieces = 16;

    private readonly SafeSocketHandle _handle;
    private readonly int _fd;
    private IcyInterleaver _cursor;
    private int _detached;

    public DirectSender(ListenerSession session, SafeSocketHandle handle, long chunk, byte[] head)
    {
        var added = false;
        handle.DangerousAddRef(ref added);
        Session = session;
        _handle = handle;
        _fd = (int)handle.DangerousGetHandle();
        _cursor = new IcyInterleaver(chunk, session.MetaInt, head);
    }

    public ListenerSession Session { get; }

    /// <summary>
    /// Sends what is due and ends the session when the connection broke (a hang-up) or its place fell out of the
    /// ring (<see cref="SlowListeners"/> decides); false once the session has ended.
    /// </summary>
    public bool SendDue(BroadcastBuffer buffer, SlowListeners slow)
    {
        switch (Pump(buffer))
        {
            case PumpResult.Failed:
                Session.Stop(LeaveReason.ClientClosed);
                return false;
            case PumpResult.Evicted:
                slow.OutOfRing(Session, buffer.EndPosition);
                return false;
            default:
                return !Session.Stopped;
        }
    }

    /// <summary>Sends what is due up to the live edge, without blocking.</summary>
    internal unsafe PumpResult Pump(BroadcastBuffer buffer)
    {
        Span<Libc.IoVec> iov = stackalloc Libc.IoVec[MaxPieces];
        Span<int> lengths = stackalloc int[MaxPieces];
        var owners = new PieceOwners();
        while (!Session.Stopped)
        {
            // Plan on a copy of the cursor; commit only what the kernel took.
            var plan = _cursor;
            var count = 0;
            var offered = 0L;
            ChunkRead read = ChunkRead.Ok;
            while (count < MaxPieces && plan.TryPeek(buffer, out var array, out var offset, out var length, out var chunk, out read))
            {
                iov[count] = Libc.IoVec.OfPinned(array, offset, length);
                lengths[count] = length;
                owners[count] = chunk;
                offered += length;
                count++;
                plan.Advance(length, chunk);
            }
            if (count == 0)
            {
                return read == ChunkRead.Evicted ? PumpResult.Evicted : PumpResult.CaughtUp;
            }
            var sent = Libc.Send(_fd, iov[..count]);
            if (sent < 0)
            {
                return PumpResult.Failed;
            }
            var left = sent;
            for (var i = 0; i < count && left > 0; i++)
            {
                var take = (int)Math.Min(left, lengths[i]);
                _cursor.Advance(take, owners[i]);
                left -= take;
            }
            Session.Sent(_cursor.Position, sent);
            if (sent < offered)
            {
                return PumpResult.Blocked;
            }
        }
        return PumpResult.CaughtUp;
    }

    /// <summary>Lets the socket go (once).</summary>
    public void Detach()
    {
        if (Interlocked.Exchange(ref _detached, 1) == 0)
        {
            _handle.DangerousRelease();
        }
    }

    [InlineArray(MaxPieces)]
    private struct PieceOwners
    {
        private AudioChunk? _element;
    }
}
