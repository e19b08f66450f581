using System.Buffers.Binary;
using System.Text;

namespace RadioServer.Live;

/// <summary>
/// The decoder of one Ogg logical stream's packets, headers first (the identification header is the first packet),
/// handing its decoded samples, titles and format to the <see cref="OggStreamDecoder"/> that owns it.
/// </summary>
internal abstract class OggAudioCodec(OggStreamDecoder owner)
{
    protected OggStreamDecoder Owner { get; } = owner;

    /// <summary>The codec as operators see it.</summary>
    public abstract string Name { get; }

    /// <summary>The stream's next packet (a header, then audio).</summary>
    public abstract void Packet(ReadOnlySpan<byte> packet, OggPacketInfo info);

    /// <summary>The stream ended, or was cut off by the start of another link: what the codec still holds comes out.</summary>
    public abstract void End();

    /// <summary>A decoder for the stream whose BOS packet this is, when it is audio we decode.</summary>
    public static OggAudioCodec? Identify(ReadOnlySpan<byte> first, OggStreamDecoder owner) =>
        IsHeader(first, 0x01, "vorbis"u8) ? new OggVorbisCodec(owner)
        : first.StartsWith("OpusHead"u8) ? new OggOpusCodec(owner)
        : null;

    /// <summary>What a stream we do not decode is, from its BOS packet, for the reason a source is refused.</summary>
    public static string Describe(ReadOnlySpan<byte> first) =>
        IsHeader(first, 0x80, "theora"u8) ? "Theora video"
        : IsHeader(first, 0x80, "daala"u8) ? "Daala video"
        : first.StartsWith("OVP80"u8) ? "VP8 video"
        : first.StartsWith("BBCD\0"u8) ? "Dirac video"
        : IsHeader(first, 0x01, "video"u8) ? "OGM video"
        : first.StartsWith("fishead\0"u8) ? "a Skeleton index"
        : IsHeader(first, 0x80, "kate"u8) ? "Kate subtitles"
        : IsHeader(first, 0x7F, "FLAC"u8) || first.StartsWith("fLaC"u8) ? "FLAC"
        : first.StartsWith("Speex   "u8) ? "Speex"
        : first.StartsWith("CELT    "u8) ? "CELT"
        : first.StartsWith("PCM     "u8) ? "PCM"
        : "an unknown stream";

    /// <summary>Whether a packet starts with a header type byte and a codec's name (Vorbis's <c>\x01vorbis</c>, Theora's <c>\x80theora</c>).</summary>
    public static bool IsHeader(ReadOnlySpan<byte> packet, byte type, ReadOnlySpan<byte> name) =>
        packet.Length > name.Length && packet[0] == type && packet[1..].StartsWith(name);
}

/// <summary>Vorbis comments (the Vorbis comment header and OpusTags share the layout): the title a stream gives itself.</summary>
internal static class OggComments
{
    /// <summary>
    /// "ARTIST - TITLE" (or the one present) from comments after their magic: a vendor string, then
    /// <c>KEY=value</c> entries, each a 32-bit little-endian length and UTF-8 bytes. Null when neither is there.
    /// </summary>
    public static string? Title(ReadOnlySpan<byte> comments)
    {
        if (!TryTake(ref comments, out _) || comments.Length < 4)
        {
            return null;
        }
        var count = BinaryPrimitives.ReadUInt32LittleEndian(comments);
        comments = comments[4..];
        string? title = null, artist = null;
        for (var i = 0u; i < count && TryTake(ref comments, out var entry); i++)
        {
            var equals = entry.IndexOf((byte)'=');
            if (equals <= 0)
            {
                continue;
            }
            var key = entry[..equals];
            if (title is null && Ascii.EqualsIgnoreCase(key, "TITLE"u8))
            {
                title = Value(entry[(equals + 1)..]);
            }
            else if (artist is null && Ascii.EqualsIgnoreCase(key, "ARTIST"u8))
            {
                artist = Value(entry[(equals + 1)..]);
            }
        }
        return (artist, title) switch
        {
            ({ } a, { } t) => $"{a} - {t}",
            _ => title ?? artist,
        };
    }

    private static string? Value(ReadOnlySpan<byte> utf8)
    {
        var value = Encoding.UTF8.GetString(utf8).Trim();
        return value.Length == 0 ? null : value;
    }

    private static bool TryTake(ref ReadOnlySpan<byte> data, out ReadOnlySpan<byte> item)
    {
        item = default;
        if (data.Length < 4)
        {
            return false;
        }
        var length = BinaryPrimitives.ReadUInt32LittleEndian(data);
        if (length > (uint)(data.Length - 4))
        {
            return false; // cut short (a comment header past the packet limit)
        }
        item = data.Slice(4, (int)length);
        data = data[(4 + (int)length)..];
        return true;
    }
}
