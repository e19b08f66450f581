using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace RadioServer.Streaming;

/// <summary>What a direct send achieved.</summary>
internal enum PumpResult
{
    /// <summary>Everything up to the live edge was sent.</summary>
    CaughtUp,

    /// <summary>The socket's buffer is full: the player reads slower than the stream (or not at all).</summary>
    Blocked,

    /// <summary>The listener's place fell out of the ring.</summary>
    Evicted,

    /// <summary>The connection broke (reset, closed).</summary>
    Failed,
}

/// <summary>Why a listener's session ended.</summary>
internal enum LeaveReason
{
    ClientClosed,
    TooSlow,
    Error,
    Kicked,
    ServerStopping,
}

/// <summary>
/// One listener: a cursor into the broadcast buffer plus, when the player asked for it, the ICY
/// interleaver state. Writes go straight from the shared chunks into the response pipe.
/// </summary>
internal sealed unsafe class ListenerSession(long id, System.Net.IPAddress? address, string userAgent, int metaInt, DateTimeOffset connectedAt, Action? abort)
{
    private long _position = -1;
    private long _bytesSent;
    private int _untilMeta = metaInt;
    private TrackMark? _titleSent;
    private int _leaveReason = -1;

    public long Id { get; } = id;

    /// <summary>Audio bytes between ICY blocks; 0 when the player did not send <c>Icy-MetaData: 1</c>.</summary>
    public int MetaInt { get; } = metaInt;

    public DateTimeOffset ConnectedAt { get; } = connectedAt;

    /// <summary>The player's address, kept for the operators' listener list (shown anonymised unless configured).</summary>
    public System.Net.IPAddress? Address { get; } = address;

    public string UserAgent { get; } = userAgent;

    /// <summary>Stream position (bytes since the station went on air) up to which audio was handed to the connection; -1 before the first chunk.</summary>
    public long Position => Volatile.Read(ref _position);

    /// <summary>Bytes written, metadata included.</summary>
    public long BytesSent => Volatile.Read(ref _bytesSent);

    public LeaveReason? LeaveReason => _leaveReason < 0 ? null : (LeaveReason)_leaveReason;

    /// <summary>How far behind the live edge the listener was when it was dropped as too slow (bytes).</summary>
    public long BehindWhenDropped { get; set; }

    /// <summary>Records why the session ends; the first reason wins. Returns false if one was already set.</summary>
    public bool TrySetLeaveReason(LeaveReason reason) => Interlocked.CompareExchange(ref _leaveReason, (int)reason, -1) == -1;

    // ---- Direct send: the broadcaster writes this listener's socket straight from the shared chunks. ----

    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private SafeSocketHandle? _handle;
    private int _fd = -1;
    private int _detached;
    private SendState _state;
    private volatile bool _stopped;

    /// <summary>Completes when the broadcaster (or an operator, or the registry) ended the session.</summary>
    public Task Ended => _ended.Task;

    /// <summary>True once the session must send nothing more.</summary>
    public bool Stopped => _stopped;

    /// <summary>
    /// Takes the connection's socket for direct sends, starting with <paramref name="header"/> (the raw
    /// response head) and then the audio from chunk <paramref name="cursor"/>. The socket handle is
    /// referenced until <see cref="Detach"/>, so its descriptor cannot be closed and reused under a send.
    /// </summary>
    internal void Attach(SafeSocketHandle handle, long cursor, byte[] header)
    {
        var added = false;
        handle.DangerousAddRef(ref added);
        _handle = handle;
        _fd = (int)handle.DangerousGetHandle();
        _state = new SendState { Cursor = cursor, Piece = header, UntilMeta = MetaInt };
    }

    /// <summary>Lets the socket go (once).</summary>
    internal void Detach()
    {
        if (_handle is { } handle && Interlocked.Exchange(ref _detached, 1) == 0)
        {
            handle.DangerousRelease();
        }
    }

    /// <summary>Ends the session: nothing more is sent, and the request waiting on <see cref="Ended"/> finishes.</summary>
    internal void Stop(LeaveReason reason)
    {
        TrySetLeaveReason(reason);
        _stopped = true;
        _ended.TrySetResult();
    }

    /// <summary>Stops the session and breaks its connection (a drop from outside: too slow, kicked).</summary>
    internal void Abort(LeaveReason reason)
    {
        Stop(reason);
        abort?.Invoke();
    }

    /// <summary>
    /// Sends what is due up to the live edge: the rest of the response head, audio, and ICY blocks where they
    /// fall, several pieces per system call, without blocking. Only one thread pumps a session at a time.
    /// </summary>
    internal PumpResult Pump(BroadcastBuffer buffer)
    {
        Span<SocketSend.IoVec> iov = stackalloc SocketSend.IoVec[SocketSend.MaxPieces];
        Span<int> lengths = stackalloc int[SocketSend.MaxPieces];
        var owners = new PieceOwners();
        while (!_stopped)
        {
            // Plan on a copy of the state; commit only what the kernel took.
            var plan = _state;
            var count = 0;
            while (count < SocketSend.MaxPieces && Next(plan, buffer, out var array, out var offset, out var length, out var chunk, out _))
            {
                iov[count] = new SocketSend.IoVec { Base = SocketSend.AddressOf(array, offset), Length = (nuint)length };
                lengths[count] = length;
                owners[count] = chunk;
                count++;
                Consume(ref plan, length, chunk, track: false);
            }
            if (count == 0)
            {
                return buffer.TryRead(_state.Cursor, out _) == ChunkRead.Evicted ? PumpResult.Evicted : PumpResult.CaughtUp;
            }
            var sent = SocketSend.Send(_fd, iov[..count], out _);
            if (sent < 0)
            {
                return PumpResult.Failed;
            }
            var left = sent;
            for (var i = 0; i < count && left > 0; i++)
            {
                var take = (int)Math.Min(left, lengths[i]);
                Consume(ref _state, take, owners[i], track: true);
                left -= take;
            }
            Volatile.Write(ref _bytesSent, _bytesSent + sent);
            var offered = 0L;
            for (var i = 0; i < count; i++)
            {
                offered += lengths[i];
            }
            if (sent < offered)
            {
                return PumpResult.Blocked;
            }
        }
        return PumpResult.CaughtUp;
    }

    /// <summary>Ends the session when a pump found the connection broken or the listener out of the ring; true when it goes on.</summary>
    internal bool GoesOn(PumpResult result)
    {
        switch (result)
        {
            case PumpResult.Failed:
                Stop(Streaming.LeaveReason.ClientClosed);
                return false;
            case PumpResult.Evicted:
                Stop(Streaming.LeaveReason.TooSlow);
                return false;
            default:
                return true;
        }
    }

    /// <summary>The next piece to send from state <paramref name="s"/>, without consuming it.</summary>
    private bool Next(in SendState s, BroadcastBuffer buffer, out byte[] array, out int offset, out int length, out AudioChunk? chunk, out ChunkRead read)
    {
        chunk = null;
        if (s.Piece is { } piece)
        {
            array = piece;
            offset = s.PieceOffset;
            length = piece.Length - s.PieceOffset;
            read = ChunkRead.Ok;
            return true;
        }
        array = [];
        offset = length = 0;
        read = buffer.TryRead(s.Cursor, out chunk);
        if (read != ChunkRead.Ok)
        {
            return false;
        }
        array = chunk!.Data;
        offset = s.Offset;
        var remaining = array.Length - offset;
        length = MetaInt > 0 ? Math.Min(remaining, s.UntilMeta) : remaining;
        return true;
    }

    /// <summary>Moves state <paramref name="s"/> on by <paramref name="bytes"/> of the piece <see cref="Next"/> gave.</summary>
    private void Consume(ref SendState s, int bytes, AudioChunk? chunk, bool track)
    {
        if (s.Piece is { } piece)
        {
            s.PieceOffset += bytes;
            if (s.PieceOffset == piece.Length)
            {
                s.Piece = null;
                s.PieceOffset = 0;
            }
            return;
        }
        s.Offset += bytes;
        if (track)
        {
            Volatile.Write(ref _position, chunk!.Position + s.Offset);
        }
        if (MetaInt > 0)
        {
            s.UntilMeta -= bytes;
            if (s.UntilMeta == 0)
            {
                s.Piece = ReferenceEquals(s.TitleSent, chunk!.Track) ? IcyMetadata.Unchanged : chunk.Track.IcyBlock;
                s.TitleSent = chunk.Track;
                s.UntilMeta = MetaInt;
            }
        }
        if (s.Offset == chunk!.Data.Length)
        {
            s.Cursor++;
            s.Offset = 0;
        }
    }

    /// <summary>Where a direct-send listener is: a chunk and an offset in it, the ICY countdown, and a piece (head or ICY block) part-sent.</summary>
    private struct SendState
    {
        public long Cursor;
        public int Offset;
        public int UntilMeta;
        public byte[]? Piece;
        public int PieceOffset;
        public TrackMark? TitleSent;
    }

    [InlineArray(SocketSend.MaxPieces)]
    private struct PieceOwners
    {
        private AudioChunk? _element;
    }

    /// <summary>Copies one chunk into the response, with ICY blocks at every <see cref="MetaInt"/> audio bytes.</summary>
    public void Write(PipeWriter writer, AudioChunk chunk)
    {
        var data = chunk.Data.AsSpan();
        var written = 0;
        if (MetaInt == 0)
        {
            writer.Write(data);
            written = data.Length;
        }
        else
        {
            while (!data.IsEmpty)
            {
                var take = Math.Min(_untilMeta, data.Length);
                writer.Write(data[..take]);
                written += take;
                data = data[take..];
                _untilMeta -= take;
                if (_untilMeta == 0)
                {
                    var block = ReferenceEquals(_titleSent, chunk.Track) ? IcyMetadata.Unchanged : chunk.Track.IcyBlock;
                    writer.Write(block);
                    written += block.Length;
                    _titleSent = chunk.Track;
                    _untilMeta = MetaInt;
                }
            }
        }
        Volatile.Write(ref _position, chunk.EndPosition);
        Volatile.Write(ref _bytesSent, _bytesSent + written);
    }
}
