using System.Text;

namespace RadioServer.Streaming.Listeners;

/// <summary>
/// Recognises a player's request for the mount in the bytes that arrived with the connection: a plain
/// <c>GET /mount[?query] HTTP/1.0|1.1</c> with well-formed ASCII headers and no body. Anything else (another
/// path or method, a partial or unusual head) is not claimed and goes to Kestrel, which answers it in full.
/// </summary>
internal readonly record struct ListenerRequest(int HeadLength, bool IcyMetadata, string UserAgent, string? Tag = null)
{
    private static ReadOnlySpan<byte> EndOfHead => "\r\n\r\n"u8;

    public static bool TryParse(ReadOnlySpan<byte> received, ReadOnlySpan<byte> mount, out ListenerRequest request)
    {
        request = default;
        var end = received.IndexOf(EndOfHead);
        if (end < 0)
        {
            return false;
        }
        var head = received[..(end + 2)]; // every line with its CRLF
        var line = head[..head.IndexOf("\r\n"u8)];
        // At least "GET " + " HTTP/1.x": in "GET HTTP/1.1" the two share their space, and the target would be of length -1.
        if (line.Length < 13 || !line.StartsWith("GET "u8) || !(line.EndsWith(" HTTP/1.1"u8) || line.EndsWith(" HTTP/1.0"u8)))
        {
            return false;
        }
        var target = line[4..^9];
        if (!target.StartsWith(mount) || (target.Length > mount.Length && target[mount.Length] != (byte)'?'))
        {
            return false;
        }
        if (target.ContainsAnyExceptInRange((byte)0x21, (byte)0x7e))
        {
            return false;
        }

        var icy = false;
        var userAgent = "";
        var rest = head[(line.Length + 2)..];
        while (!rest.IsEmpty)
        {
            var eol = rest.IndexOf("\r\n"u8);
            var header = rest[..eol];
            rest = rest[(eol + 2)..];
            var colon = header.IndexOf((byte)':');
            // No folded lines, no control or non-ASCII bytes, a token for a name: else Kestrel decides.
            if (colon <= 0 || header[0] is (byte)' ' or (byte)'\t' || header[..colon].ContainsAnyExceptInRange((byte)0x21, (byte)0x7e) ||
                HasControlOrNonAscii(header[(colon + 1)..]))
            {
                return false;
            }
            var name = header[..colon];
            var value = Trim(header[(colon + 1)..]);
            if (Ascii.EqualsIgnoreCase(name, "Icy-MetaData"u8))
            {
                icy = value.SequenceEqual("1"u8);
            }
            else if (Ascii.EqualsIgnoreCase(name, "User-Agent"u8))
            {
                userAgent = Encoding.ASCII.GetString(value);
            }
            else if (Ascii.EqualsIgnoreCase(name, "Content-Length"u8) ? !value.SequenceEqual("0"u8) :
                     Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8) || Ascii.EqualsIgnoreCase(name, "Expect"u8) || Ascii.EqualsIgnoreCase(name, "Upgrade"u8))
            {
                return false; // a body or a protocol switch: not a player's request
            }
        }
        request = new ListenerRequest(end + 4, icy, userAgent, TagOf(target[mount.Length..]));
        return true;
    }

    /// <summary>The value of <c>t</c> in the query (<c>?t=…</c>), the player's token for its request (<see cref="ListenerSession.Tag"/>).</summary>
    private static string? TagOf(ReadOnlySpan<byte> query)
    {
        if (query.IsEmpty)
        {
            return null;
        }
        foreach (var range in query[1..].Split((byte)'&'))
        {
            var pair = query[1..][range];
            if (pair.StartsWith("t="u8))
            {
                return ListenerRegistry.ValidTag(Encoding.ASCII.GetString(pair[2..]));
            }
        }
        return null;
    }

    private static bool HasControlOrNonAscii(ReadOnlySpan<byte> value)
    {
        foreach (var b in value)
        {
            if ((b < 0x20 && b != (byte)'\t') || b >= 0x7f)
            {
                return true;
            }
        }
        return false;
    }

    private static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> value) => value.Trim(" \t"u8);
}
