using System.Text;

namespace RadioServer.Live;

internal enum SourceParse { NotASource, Bad, Source }

internal enum SourceMethod { Put, Source }

// Provisional (replaced by the full parser): enough for the pipeline's tests.
internal sealed record SourceRequest(SourceMethod Method, string Path, string Protocol, int HeadLength, bool ExpectContinue, string? User, string? Password, string? ContentType, IReadOnlyDictionary<string, string> Headers)
{
    public const int MaxHead = 16 * 1024;

    public string? Name => Header("ice-name") ?? Header("icy-name");

    public string? UserAgent => Header("User-Agent");

    private string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;

    public static SourceParse TryParse(ReadOnlySpan<byte> received, out SourceRequest? request, out string? reason)
    {
        request = null;
        reason = null;
        var text = Encoding.UTF8.GetString(received);
        var method = text.StartsWith("PUT ", StringComparison.Ordinal) ? SourceMethod.Put : text.StartsWith("SOURCE ", StringComparison.Ordinal) ? SourceMethod.Source : (SourceMethod?)null;
        if (method is null)
        {
            return SourceParse.NotASource;
        }
        var end = received.IndexOf("\r\n\r\n"u8) is var crlf and >= 0 ? crlf + 4 : received.IndexOf("\n\n"u8) is var lf and >= 0 ? lf + 2 : -1;
        if (end < 0)
        {
            reason = "The request head did not end.";
            return SourceParse.Bad;
        }
        var lines = Encoding.UTF8.GetString(received[..end]).Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        var parts = lines[0].Split(' ');
        if (parts.Length != 3)
        {
            reason = "Bad request line.";
            return SourceParse.Bad;
        }
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1).Where(l => l.Length > 0))
        {
            var colon = line.IndexOf(':');
            if (colon <= 0)
            {
                reason = "A header line has no colon.";
                return SourceParse.Bad;
            }
            headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }
        string? user = null, password = null;
        if (headers.TryGetValue("Authorization", out var auth) && auth.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                var pair = Encoding.UTF8.GetString(Convert.FromBase64String(auth[6..].Trim()));
                var c = pair.IndexOf(':');
                if (c >= 0)
                {
                    (user, password) = (pair[..c], pair[(c + 1)..]);
                }
            }
            catch (FormatException)
            {
            }
        }
        var contentType = headers.TryGetValue("Content-Type", out var ct) ? ct.Split(';')[0].Trim().ToLowerInvariant() : null;
        var path = parts[1].Split('?')[0];
        request = new SourceRequest(method.Value, path, parts[2], end, headers.TryGetValue("Expect", out var e) && e.Equals("100-continue", StringComparison.OrdinalIgnoreCase), user, password, contentType, headers);
        return SourceParse.Source;
    }
}
