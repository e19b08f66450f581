using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace RadioServer.Hls;

/// <summary>
/// The ID3v2.4 tag a packed-audio segment begins with (RFC 8216 §3.4): the PRIV frame
/// <c>com.apple.streaming.transportStreamTimestamp</c> (the 33-bit 90 kHz timestamp of the segment's first frame,
/// in an 8-byte big-endian field; Apple's "Timed Metadata for HTTP Live Streaming"), then text frames. No
/// unsynchronisation, no extended header; sizes are syncsafe (v2.4 §6.2).
/// </summary>
internal static class Id3Tag
{
    public const string TimestampOwner = "com.apple.streaming.transportStreamTimestamp";

    /// <summary>TXXX description: the stream position (bytes since the station went on air) of the segment's first frame.</summary>
    public const string StreamPositionDescription = "StreamPosition";

    /// <summary>TXXX description: the stream position where the segment's title (its TIT2) starts, when it starts in this segment.</summary>
    public const string TitlePositionDescription = "TitlePosition";

    /// <summary>The 33 bits of an MPEG-2 PTS.</summary>
    public const long PtsMask = (1L << 33) - 1;

    private const int HeaderSize = 10;

    public static byte[] Build(long pts90k, long streamPosition, string? title, long? titlePosition)
    {
        var frames = new List<byte[]>(4) { Priv(TimestampOwner, pts90k & PtsMask), Txxx(StreamPositionDescription, streamPosition.ToString(CultureInfo.InvariantCulture)) };
        if (title is not null)
        {
            frames.Add(Text("TIT2", title));
        }
        if (titlePosition is { } at)
        {
            frames.Add(Txxx(TitlePositionDescription, at.ToString(CultureInfo.InvariantCulture)));
        }
        var size = frames.Sum(f => f.Length);
        var tag = new byte[HeaderSize + size];
        "ID3"u8.CopyTo(tag);
        tag[3] = 4; // v2.4.0
        tag[4] = 0;
        tag[5] = 0; // no flags
        WriteSyncsafe(tag.AsSpan(6), size);
        var at2 = HeaderSize;
        foreach (var frame in frames)
        {
            frame.CopyTo(tag, at2);
            at2 += frame.Length;
        }
        return tag;
    }

    private static byte[] Priv(string owner, long value)
    {
        var body = new byte[owner.Length + 1 + 8];
        Encoding.ASCII.GetBytes(owner, body);
        BinaryPrimitives.WriteInt64BigEndian(body.AsSpan(owner.Length + 1), value);
        return Frame("PRIV", body);
    }

    /// <summary>A text frame in UTF-8 (encoding byte 3, allowed from v2.4).</summary>
    private static byte[] Text(string id, string text)
    {
        var body = new byte[1 + Encoding.UTF8.GetByteCount(text)];
        body[0] = 3;
        Encoding.UTF8.GetBytes(text, body.AsSpan(1));
        return Frame(id, body);
    }

    private static byte[] Txxx(string description, string value)
    {
        var d = Encoding.UTF8.GetByteCount(description);
        var body = new byte[1 + d + 1 + Encoding.UTF8.GetByteCount(value)];
        body[0] = 3;
        Encoding.UTF8.GetBytes(description, body.AsSpan(1));
        Encoding.UTF8.GetBytes(value, body.AsSpan(2 + d));
        return Frame("TXXX", body);
    }

    private static byte[] Frame(string id, byte[] body)
    {
        var frame = new byte[HeaderSize + body.Length];
        Encoding.ASCII.GetBytes(id, frame);
        WriteSyncsafe(frame.AsSpan(4), body.Length);
        body.CopyTo(frame, HeaderSize);
        return frame;
    }

    private static void WriteSyncsafe(Span<byte> to, int value)
    {
        if (value >= 1 << 28)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "An ID3v2 size is 28 bits.");
        }
        to[0] = (byte)((value >> 21) & 0x7F);
        to[1] = (byte)((value >> 14) & 0x7F);
        to[2] = (byte)((value >> 7) & 0x7F);
        to[3] = (byte)(value & 0x7F);
    }
}
