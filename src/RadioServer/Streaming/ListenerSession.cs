using System.Buffers;
using System.IO.Pipelines;

namespace RadioServer.Streaming;

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
internal sealed class ListenerSession(long id, HttpContext context, int metaInt, DateTimeOffset connectedAt)
{
    private long _position = -1;
    private long _bytesSent;
    private int _untilMeta = metaInt;
    private TrackMark? _titleSent;
    private int _leaveReason = -1;

    public long Id { get; } = id;

    public HttpContext Context { get; } = context;

    /// <summary>Audio bytes between ICY blocks; 0 when the player did not send <c>Icy-MetaData: 1</c>.</summary>
    public int MetaInt { get; } = metaInt;

    public DateTimeOffset ConnectedAt { get; } = connectedAt;

    /// <summary>The player's address, kept for the operators' listener list (shown anonymised unless configured).</summary>
    public System.Net.IPAddress? Address { get; } = context.Connection.RemoteIpAddress;

    public string UserAgent { get; } = context.Request.Headers.UserAgent.ToString();

    /// <summary>Stream position (bytes since the station went on air) up to which audio was handed to the connection; -1 before the first chunk.</summary>
    public long Position => Volatile.Read(ref _position);

    /// <summary>Bytes written, metadata included.</summary>
    public long BytesSent => Volatile.Read(ref _bytesSent);

    public LeaveReason? LeaveReason => _leaveReason < 0 ? null : (LeaveReason)_leaveReason;

    /// <summary>How far behind the live edge the listener was when it was dropped as too slow (bytes).</summary>
    public long BehindWhenDropped { get; set; }

    /// <summary>Records why the session ends; the first reason wins. Returns false if one was already set.</summary>
    public bool TrySetLeaveReason(LeaveReason reason) => Interlocked.CompareExchange(ref _leaveReason, (int)reason, -1) == -1;

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
