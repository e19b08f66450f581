using System.Text;

namespace RadioServer.Streaming;

/// <summary>
/// SHOUTcast/Icecast in-stream metadata: one length byte (the block length / 16), then
/// <c>StreamTitle='…';</c> padded with zeros to that length. A lone zero byte means "unchanged".
/// </summary>
internal static class IcyMetadata
{
    /// <summary>The length byte can say at most 255 x 16 bytes.</summary>
    public const int MaxPayload = 255 * 16;

    // Pinned, like the audio chunks: listeners' sockets are written straight from these arrays (Streaming/README.md, "Pinned memory").
    public static readonly byte[] Unchanged = GC.AllocateArray<byte>(1, pinned: true);

    public static byte[] Encode(string streamTitle)
    {
        const string prefix = "StreamTitle='";
        const string suffix = "';";
        var room = MaxPayload - Encoding.UTF8.GetByteCount(prefix + suffix);
        var title = Truncate(Sanitize(streamTitle), room);
        var payload = Encoding.UTF8.GetBytes(prefix + title + suffix);
        var blocks = (payload.Length + 15) / 16;
        var block = GC.AllocateArray<byte>(1 + (blocks * 16), pinned: true);
        block[0] = (byte)blocks;
        payload.CopyTo(block, 1);
        return block;
    }

    /// <summary>
    /// What a title may say inside <c>StreamTitle='…';</c>. The format has no escaping and players end the field
    /// at the first <c>';</c>, so a tag such as <c>It';StreamUrl='http://evil.example/';x='</c> would add fields of
    /// its own: apostrophes become U+2019 (the typographic apostrophe, as "Don’t"), so no title can close the
    /// quote; line breaks and other control characters become spaces. The hub and the pages show the title as tagged.
    /// </summary>
    internal static string Sanitize(string title) =>
        string.Create(title.Length, title, static (span, t) =>
        {
            for (var i = 0; i < t.Length; i++)
            {
                var c = t[i];
                span[i] = c == '\'' ? '\u2019' : char.IsControl(c) ? ' ' : c;
            }
        });

    /// <summary>Reads StreamTitle out of a metadata payload (the bytes after the length byte); null when absent.</summary>
    public static string? ParseStreamTitle(ReadOnlySpan<byte> payload)
    {
        var text = Encoding.UTF8.GetString(payload).TrimEnd('\0');
        const string key = "StreamTitle='";
        var start = text.IndexOf(key, StringComparison.Ordinal);
        if (start < 0)
        {
            return null;
        }
        start += key.Length;
        var end = text.IndexOf("';", start, StringComparison.Ordinal);
        return end < 0 ? text[start..] : text[start..end];
    }

    private static string Truncate(string text, int maxBytes)
    {
        if (Encoding.UTF8.GetByteCount(text) <= maxBytes)
        {
            return text;
        }
        // One pass, a character at a time: a tag's title can be megabytes long, and counting every shorter prefix
        // again took seconds per track (quadratic). A lone surrogate counts as U+FFFD, three bytes, as GetBytes writes it.
        var bytes = 0;
        var length = 0;
        while (length < text.Length)
        {
            Rune.DecodeFromUtf16(text.AsSpan(length), out var rune, out var chars);
            if (bytes + rune.Utf8SequenceLength > maxBytes)
            {
                break;
            }
            bytes += rune.Utf8SequenceLength;
            length += chars;
        }
        return text[..length];
    }
}
