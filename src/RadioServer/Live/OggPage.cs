using System.Buffers.Binary;

namespace RadioServer.Live;

/// <summary>What <see cref="OggPage.TryRead"/> found at the start of the bytes.</summary>
internal enum OggPageRead
{
    /// <summary>A whole page whose checksum is right.</summary>
    Page,

    /// <summary>The start of what may be a page: more bytes are needed to tell.</summary>
    NeedMore,

    /// <summary>No page starts here (no capture pattern, another version, or a wrong checksum).</summary>
    NotAPage,
}

/// <summary>
/// One Ogg page (RFC 3533 §6) as it lies in the bytes: the 27-byte header, the segment table (lacing values) and the
/// body, which the lacing cuts into packets (a value of 255 continues a packet, less ends it).
/// </summary>
internal readonly ref struct OggPage
{
    public const int HeaderSize = 27;

    /// <summary>The largest page: a full header, 255 lacing values and 255 segments of 255 bytes.</summary>
    public const int MaxSize = HeaderSize + 255 + (255 * 255);

    private OggPage(ReadOnlySpan<byte> page, int segments)
    {
        Flags = page[5];
        Granule = BinaryPrimitives.ReadInt64LittleEndian(page[6..]);
        Serial = BinaryPrimitives.ReadUInt32LittleEndian(page[14..]);
        Sequence = BinaryPrimitives.ReadUInt32LittleEndian(page[18..]);
        Lacing = page.Slice(HeaderSize, segments);
        Body = page[(HeaderSize + segments)..];
    }

    public byte Flags { get; }

    /// <summary>The first packet continues one from the page before.</summary>
    public bool Continued => (Flags & 0x01) != 0;

    /// <summary>Beginning of a logical stream: its first page, holding its identification header alone.</summary>
    public bool BeginsStream => (Flags & 0x02) != 0;

    /// <summary>End of a logical stream.</summary>
    public bool EndsStream => (Flags & 0x04) != 0;

    /// <summary>The codec's position at the end of the last packet that ends on this page; -1 when none does.</summary>
    public long Granule { get; }

    public uint Serial { get; }

    public uint Sequence { get; }

    public ReadOnlySpan<byte> Lacing { get; }

    public ReadOnlySpan<byte> Body { get; }

    /// <summary>The page's first packet when it ends on this page (as a BOS page's identification header must), else empty.</summary>
    public ReadOnlySpan<byte> FirstPacket()
    {
        var length = 0;
        foreach (var lace in Lacing)
        {
            length += lace;
            if (lace < 255)
            {
                return Body[..length];
            }
        }
        return default;
    }

    /// <summary>
    /// Reads the page at the start of <paramref name="data"/>, checking its CRC. <paramref name="length"/> is the
    /// page's size when one was read; on <see cref="OggPageRead.NotAPage"/> the caller skips a byte and looks again.
    /// </summary>
    public static OggPageRead TryRead(ReadOnlySpan<byte> data, out OggPage page, out int length)
    {
        page = default;
        length = 0;
        if (data.Length < 5)
        {
            return "OggS"u8[..data.Length].SequenceEqual(data) ? OggPageRead.NeedMore : OggPageRead.NotAPage;
        }
        if (!data.StartsWith("OggS"u8) || data[4] != 0)
        {
            return OggPageRead.NotAPage; // the capture pattern, then stream structure version 0
        }
        if (data.Length < HeaderSize)
        {
            return OggPageRead.NeedMore;
        }
        var segments = data[26];
        if (data.Length < HeaderSize + segments)
        {
            return OggPageRead.NeedMore;
        }
        var size = HeaderSize + segments;
        foreach (var lace in data.Slice(HeaderSize, segments))
        {
            size += lace;
        }
        if (data.Length < size)
        {
            return OggPageRead.NeedMore;
        }
        var bytes = data[..size];
        if (OggCrc.OfPage(bytes) != BinaryPrimitives.ReadUInt32LittleEndian(bytes[22..]))
        {
            return OggPageRead.NotAPage;
        }
        page = new OggPage(bytes, segments);
        length = size;
        return OggPageRead.Page;
    }
}

/// <summary>Ogg's page checksum: CRC-32, polynomial 0x04C11DB7, not reflected, no initial or final XOR (RFC 3533 §6).</summary>
internal static class OggCrc
{
    private static readonly uint[] s_table = Table();

    /// <summary>The CRC of a whole page, computed as if its own CRC field (bytes 22-25) were zero.</summary>
    public static uint OfPage(ReadOnlySpan<byte> page)
    {
        var crc = Update(0, page[..22]);
        crc = Update(crc, [0, 0, 0, 0]);
        return Update(crc, page[26..]);
    }

    public static uint Update(uint crc, ReadOnlySpan<byte> data)
    {
        foreach (var b in data)
        {
            crc = (crc << 8) ^ s_table[(byte)(crc >> 24) ^ b];
        }
        return crc;
    }

    private static uint[] Table()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            var r = i << 24;
            for (var bit = 0; bit < 8; bit++)
            {
                r = (r & 0x80000000) != 0 ? (r << 1) ^ 0x04C11DB7 : r << 1;
            }
            table[i] = r;
        }
        return table;
    }
}
