using System.Globalization;
using System.Text;
using System.Text.Unicode;

namespace RadioServer.Live;

/// <summary>What <see cref="SourceRequest.TryParse"/> made of a connection's first bytes.</summary>
internal enum SourceParse
{
    /// <summary>The method is not PUT or SOURCE: another handler's (or Kestrel's) request.</summary>
    NotASource,

    /// <summary>A PUT or SOURCE, malformed; the reason says what.</summary>
    Bad,

    /// <summary>A well-formed source request head.</summary>
    Source,
}

internal enum SourceMethod
{
    Put,
    Source,
}

/// <summary>
/// A live source client's request head: Icecast's PUT (HTTP/1.1, ffmpeg/butt/libshout 2.4.3+, often with
/// <c>Expect: 100-continue</c>, no Content-Length, no chunking) and SOURCE (HTTP/1.0 or ICE/1.0: Liquidsoap,
/// DarkIce — whose lines end in LF only —, older libshout).
/// </summary>
/// <param name="Method">PUT or SOURCE.</param>
/// <param name="Path">The target's path, without the query ("/live"); not percent-decoded.</param>
/// <param name="Protocol">"HTTP/1.1", "HTTP/1.0" or "ICE/1.0".</param>
/// <param name="HeadLength">Bytes of the head including the blank line (CRLF CRLF, LF LF, or mixed): the audio starts there.</param>
/// <param name="ExpectContinue"><c>Expect: 100-continue</c> (case-insensitive).</param>
/// <param name="User">From <c>Authorization: Basic</c> (UTF-8 "user:password"); null if absent or not decodable.</param>
/// <param name="Password">The password of the same header (it may contain ':'); null with <paramref name="User"/>.</param>
/// <param name="ContentType">The media type only, lower-cased, parameters dropped ("audio/mpeg"); null if absent or empty.</param>
/// <param name="Headers">Every header: names case-insensitive (OrdinalIgnoreCase), the last one wins, values trimmed and UTF-8 decoded.</param>
internal sealed record SourceRequest(
    SourceMethod Method,
    string Path,
    string Protocol,
    int HeadLength,
    bool ExpectContinue,
    string? User,
    string? Password,
    string? ContentType,
    IReadOnlyDictionary<string, string> Headers)
{
    /// <summary>The most of a head that is looked at (16 KiB, as the station's accept loop).</summary>
    public const int MaxHead = 16 * 1024;

    /// <summary>The longest request target accepted, in bytes.</summary>
    public const int MaxTarget = 1024;

    /// <summary>The most header lines accepted.</summary>
    public const int MaxHeaders = 100;

    // The ice-* and icy-* string values below are null when both are absent or empty.

    /// <summary><c>ice-name</c>, else <c>icy-name</c>.</summary>
    public string? Name => First("ice-name", "icy-name");

    /// <summary><c>ice-description</c>, else <c>icy-description</c>.</summary>
    public string? Description => First("ice-description", "icy-description");

    /// <summary><c>ice-genre</c>, else <c>icy-genre</c>.</summary>
    public string? Genre => First("ice-genre", "icy-genre");

    /// <summary><c>ice-url</c>, else <c>icy-url</c>.</summary>
    public string? Url => First("ice-url", "icy-url");

    /// <summary><c>ice-bitrate</c>, else <c>icy-br</c>: an integer 1..10000 (kbit/s), else null.</summary>
    public int? Bitrate => ParseBitrate(First("ice-bitrate", "icy-br"));

    /// <summary><c>ice-audio-info</c> as sent ("channels=2;samplerate=44100;bitrate=128").</summary>
    public string? AudioInfo => First("ice-audio-info", null);

    /// <summary><c>User-Agent</c>, null if absent or empty.</summary>
    public string? UserAgent => First("User-Agent", null);

    /// <summary><c>ice-public</c>, else <c>icy-pub</c>: "1"/"true" → true, "0"/"false" → false, else null.</summary>
    public bool? Public => ParsePublic(First("ice-public", "icy-pub"));

    /// <summary>
    /// Parses a connection's first bytes, which hold a whole head (ended by a blank line) or <see cref="MaxHead"/> bytes.
    /// <see cref="SourceParse.NotASource"/>: the request line's method (its bytes up to the first space, tab, CR or LF)
    /// is not PUT or SOURCE (case-sensitive): left to other handlers.
    /// <see cref="SourceParse.Bad"/>: PUT/SOURCE but malformed (no blank line within <see cref="MaxHead"/>, a bad request
    /// line or target, an unknown protocol, a header line without a colon or with a name that is not a token, a control
    /// character other than HTAB in a value, a folded line, more than <see cref="MaxHeaders"/> headers); then
    /// <paramref name="reason"/> says what, in a few ASCII words safe to send back. Content-Length is not looked at
    /// (Icecast ignores it for sources). <see cref="SourceParse.Source"/>: <paramref name="request"/> is set.
    /// Never looks past the head's blank line (the audio after it), never throws.
    /// </summary>
    public static SourceParse TryParse(ReadOnlySpan<byte> received, out SourceRequest? request, out string? reason)
    {
        request = null;
        reason = null;
        var window = received[..Math.Min(received.Length, MaxHead)];
        var method = window[..IndexOfAnyOrLength(window, " \t\r\n"u8)];
        SourceMethod parsedMethod;
        if (method.SequenceEqual("PUT"u8))
        {
            parsedMethod = SourceMethod.Put;
        }
        else if (method.SequenceEqual("SOURCE"u8))
        {
            parsedMethod = SourceMethod.Source;
        }
        else
        {
            return SourceParse.NotASource;
        }

        var headLength = FindHeadEnd(window);
        if (headLength < 0)
        {
            reason = $"no end of the request head within {MaxHead} bytes";
            return SourceParse.Bad;
        }
        var head = window[..headLength];

        var lineEnd = head.IndexOf((byte)'\n');
        var requestLine = WithoutCr(head[..lineEnd]);
        var rest = head[(lineEnd + 1)..];
        if (!TryRequestLine(requestLine[method.Length..], out var path, out var protocol, out reason))
        {
            return SourceParse.Bad;
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var count = 0;
        while (true)
        {
            lineEnd = rest.IndexOf((byte)'\n');
            var line = WithoutCr(rest[..lineEnd]);
            rest = rest[(lineEnd + 1)..];
            if (line.IsEmpty)
            {
                break; // the blank line: rest is empty now, the head ended here
            }
            if (!TryHeader(line, out var name, out var value, out reason))
            {
                return SourceParse.Bad;
            }
            if (++count > MaxHeaders)
            {
                reason = $"too many headers (more than {MaxHeaders})";
                return SourceParse.Bad;
            }
            headers[name] = value;
        }

        var expect = headers.GetValueOrDefault("Expect");
        var (user, password) = BasicCredentials(headers.GetValueOrDefault("Authorization"));
        request = new SourceRequest(parsedMethod, path, protocol, headLength,
            expect is not null && expect.Equals("100-continue", StringComparison.OrdinalIgnoreCase),
            user, password, MediaType(headers.GetValueOrDefault("Content-Type")), headers);
        return SourceParse.Source;
    }

    /// <summary>
    /// The length of the head: up to and with the first empty line after the request line (a line ends with LF, a CR
    /// before it is the line end's), or -1 if there is none in <paramref name="window"/>.
    /// </summary>
    private static int FindHeadEnd(ReadOnlySpan<byte> window)
    {
        var at = window.IndexOf((byte)'\n') + 1;
        if (at == 0)
        {
            return -1;
        }
        while (true)
        {
            var eol = window[at..].IndexOf((byte)'\n');
            if (eol < 0)
            {
                return -1;
            }
            var line = window.Slice(at, eol);
            at += eol + 1;
            if (line.IsEmpty || line is [(byte)'\r'])
            {
                return at;
            }
        }
    }

    /// <summary>" /target PROTOCOL" (what follows the method): one space, a target, one space, a known protocol.</summary>
    private static bool TryRequestLine(ReadOnlySpan<byte> afterMethod, out string path, out string protocol, out string? reason)
    {
        path = "";
        protocol = "";
        reason = "bad request line";
        if (afterMethod is not [(byte)' ', ..])
        {
            return false;
        }
        var line = afterMethod[1..];
        var space = line.IndexOf((byte)' ');
        if (space <= 0)
        {
            return false;
        }
        var target = line[..space];
        var version = line[(space + 1)..];
        if (target[0] != (byte)'/')
        {
            reason = "the request target must be a path starting with '/'";
            return false;
        }
        if (target.Length > MaxTarget)
        {
            reason = $"request target longer than {MaxTarget} bytes";
            return false;
        }
        foreach (var b in target)
        {
            if (b is <= 0x20 or 0x7f)
            {
                reason = "bad request target";
                return false;
            }
        }
        if (version.SequenceEqual("HTTP/1.1"u8))
        {
            protocol = "HTTP/1.1";
        }
        else if (version.SequenceEqual("HTTP/1.0"u8))
        {
            protocol = "HTTP/1.0";
        }
        else if (version.SequenceEqual("ICE/1.0"u8))
        {
            protocol = "ICE/1.0";
        }
        else
        {
            // Another space, a control character or an unknown version: say which, for the client's log.
            reason = version.ContainsAnyExceptInRange((byte)0x21, (byte)0x7e) ? "bad request line" : "unknown protocol (HTTP/1.1, HTTP/1.0 or ICE/1.0)";
            return false;
        }
        var query = target.IndexOf((byte)'?');
        path = Encoding.UTF8.GetString(query < 0 ? target : target[..query]);
        reason = null;
        return true;
    }

    private static bool TryHeader(ReadOnlySpan<byte> line, out string name, out string value, out string? reason)
    {
        name = "";
        value = "";
        if (line[0] is (byte)' ' or (byte)'\t')
        {
            reason = "folded header line";
            return false;
        }
        var colon = line.IndexOf((byte)':');
        if (colon < 0)
        {
            reason = "header line without a colon";
            return false;
        }
        var rawName = line[..colon];
        if (rawName.IsEmpty || rawName.ContainsAnyExcept(s_tokenChars))
        {
            reason = "header name is not a token";
            return false;
        }
        var rawValue = line[(colon + 1)..].Trim(" \t"u8);
        foreach (var b in rawValue)
        {
            if (b is (< 0x20 and not (byte)'\t') or 0x7f)
            {
                reason = "control character in a header value";
                return false;
            }
        }
        name = Encoding.ASCII.GetString(rawName);
        value = Encoding.UTF8.GetString(rawValue); // invalid sequences become U+FFFD
        reason = null;
        return true;
    }

    /// <summary>"Basic base64(user:password)" with a strict base64 and valid UTF-8 holding a colon, else (null, null).</summary>
    internal static (string? User, string? Password) BasicCredentials(string? authorization)
    {
        const string scheme = "Basic";
        if (authorization is null || authorization.Length <= scheme.Length ||
            !authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) || authorization[scheme.Length] is not (' ' or '\t'))
        {
            return (null, null);
        }
        var token = authorization[scheme.Length..].TrimStart(' ', '\t');
        if (token.Length == 0 || token.Length % 4 != 0)
        {
            return (null, null);
        }
        var padding = token.EndsWith("==", StringComparison.Ordinal) ? 2 : token.EndsWith('=') ? 1 : 0;
        for (var i = 0; i < token.Length - padding; i++)
        {
            if (!char.IsAsciiLetterOrDigit(token[i]) && token[i] is not ('+' or '/'))
            {
                return (null, null);
            }
        }
        var bytes = new byte[token.Length / 4 * 3];
        if (!Convert.TryFromBase64String(token, bytes, out var written) || !Utf8.IsValid(bytes.AsSpan(0, written)))
        {
            return (null, null);
        }
        var text = Encoding.UTF8.GetString(bytes, 0, written);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? (null, null) : (text[..colon], text[(colon + 1)..]);
    }

    private static string? MediaType(string? contentType)
    {
        if (contentType is null)
        {
            return null;
        }
        var semicolon = contentType.IndexOf(';', StringComparison.Ordinal);
        var type = (semicolon < 0 ? contentType : contentType[..semicolon]).Trim(' ', '\t').ToLowerInvariant();
        return type.Length == 0 ? null : type;
    }

    private static int? ParseBitrate(string? value) =>
        value is not null && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var kbps) && kbps is >= 1 and <= 10000
            ? kbps
            : null;

    private static bool? ParsePublic(string? value) => value switch
    {
        "1" => true,
        "0" => false,
        _ when string.Equals(value, "true", StringComparison.OrdinalIgnoreCase) => true,
        _ when string.Equals(value, "false", StringComparison.OrdinalIgnoreCase) => false,
        _ => null,
    };

    private string? First(string name, string? twin) =>
        Headers.TryGetValue(name, out var value) && value.Length > 0 ? value :
        twin is not null && Headers.TryGetValue(twin, out value) && value.Length > 0 ? value : null;

    private static ReadOnlySpan<byte> WithoutCr(ReadOnlySpan<byte> line) => line is [.., (byte)'\r'] ? line[..^1] : line;

    private static int IndexOfAnyOrLength(ReadOnlySpan<byte> span, ReadOnlySpan<byte> values)
    {
        var at = span.IndexOfAny(values);
        return at < 0 ? span.Length : at;
    }

    /// <summary>RFC 9110's tchar: the bytes a header name is made of.</summary>
    private static readonly System.Buffers.SearchValues<byte> s_tokenChars =
        System.Buffers.SearchValues.Create("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"u8);
}
