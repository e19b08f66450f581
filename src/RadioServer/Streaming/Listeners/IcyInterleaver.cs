namespace RadioServer.Streaming.Listeners;

/// <summary>
/// Where a listener is in what it is sent, and the one ICY interleaving every send path uses: the chunk it is
/// at and how much of it went out, the countdown to the next metadata block (every <c>metaInt</c> audio bytes;
/// the block names the title when it changed, else is the single "unchanged" zero byte), and a piece part-sent
/// (the raw response head, an ICY block). <see cref="TryPeek"/> gives the next piece without moving;
/// <see cref="Advance"/> moves on by what was actually written. A value type: a sender plans a system call on
/// a copy and commits only what the kernel took. Allocates nothing.
/// </summary>
internal struct IcyInterleaver
{
    private readonly int _metaInt;
    private int _offset;
    private int _untilMeta;
    private byte[]? _piece;
    private int _pieceOffset;
    private TrackMark? _titleSent;

    /// <summary>Starts at chunk <paramref name="chunk"/> (a frame boundary), with <paramref name="head"/> to send first if given.</summary>
    public IcyInterleaver(long chunk, int metaInt, byte[]? head = null)
    {
        Chunk = chunk;
        _metaInt = metaInt;
        _untilMeta = metaInt;
        _piece = head;
    }

    /// <summary>Sequence number of the chunk whose audio goes next.</summary>
    public long Chunk { get; private set; }

    /// <summary>Stream position just after the last audio byte passed to <see cref="Advance"/>; -1 before the first.</summary>
    public long Position { get; private set; } = -1;

    /// <summary>
    /// The next piece to send: the rest of a head or ICY block, or one chunk's audio up to its end or the next ICY
    /// block. False when nothing is due: <paramref name="read"/> says whether the listener is at the live edge
    /// (<see cref="ChunkRead.NotYet"/>) or fell out of the ring (<see cref="ChunkRead.Evicted"/>).
    /// <paramref name="chunk"/> is the audio's chunk (null for a head or ICY piece), to hand back to <see cref="Advance"/>.
    /// </summary>
    public readonly bool TryPeek(BroadcastBuffer buffer, out byte[] array, out int offset, out int length, out AudioChunk? chunk, out ChunkRead read)
    {
        chunk = null;
        if (_piece is { } piece)
        {
            array = piece;
            offset = _pieceOffset;
            length = piece.Length - _pieceOffset;
            read = ChunkRead.Ok;
            return true;
        }
        array = [];
        offset = length = 0;
        read = buffer.TryRead(Chunk, out chunk);
        if (read != ChunkRead.Ok)
        {
            return false;
        }
        array = chunk!.Data;
        offset = _offset;
        var remaining = array.Length - offset;
        length = _metaInt > 0 ? Math.Min(remaining, _untilMeta) : remaining;
        return true;
    }

    /// <summary>Moves on by <paramref name="bytes"/> (at most the length) of the piece <see cref="TryPeek"/> gave, with the chunk it gave.</summary>
    public void Advance(int bytes, AudioChunk? chunk)
    {
        if (_piece is { } piece)
        {
            _pieceOffset += bytes;
            if (_pieceOffset == piece.Length)
            {
                _piece = null;
                _pieceOffset = 0;
            }
            return;
        }
        _offset += bytes;
        Position = chunk!.Position + _offset;
        if (_metaInt > 0)
        {
            _untilMeta -= bytes;
            if (_untilMeta == 0)
            {
                _piece = ReferenceEquals(_titleSent, chunk.Track) ? IcyMetadata.Unchanged : chunk.Track.IcyBlock;
                _titleSent = chunk.Track;
                _untilMeta = _metaInt;
            }
        }
        if (_offset == chunk.Data.Length)
        {
            Chunk++;
            _offset = 0;
        }
    }
}
