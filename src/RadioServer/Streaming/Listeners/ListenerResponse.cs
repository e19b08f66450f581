using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using RadioServer.Audio;
using RadioServer.Station;

namespace RadioServer.Streaming.Listeners;

/// <summary>
/// What a listener's response starts with, as Icecast sends it: one list of headers for every path, written
/// into Kestrel's response (pipe path, HEAD) or as a raw HTTP/1.0 head (direct paths), built once.
/// </summary>
internal sealed class ListenerResponse
{
    private readonly (string Name, string Value)[] _plain;
    private readonly (string Name, string Value)[] _withMetadata;
    private readonly byte[] _head;
    private readonly byte[] _headWithMetadata;

    public ListenerResponse(IOptions<RadioOptions> options)
    {
        var o = options.Value;
        MetaInt = o.MetaInt;
        _plain = [.. Headers(o, 0)];
        _withMetadata = [.. Headers(o, o.MetaInt)];
        _head = RawHead(_plain);
        _headWithMetadata = RawHead(_withMetadata);
    }

    /// <summary>Audio bytes between ICY blocks for a player that asked for them.</summary>
    public int MetaInt { get; }

    /// <summary>The raw response head, with <c>icy-metaint</c> when <paramref name="metaInt"/> is set. Pinned: it is sent with sendmsg like the audio.</summary>
    public byte[] HeadFor(int metaInt) => metaInt > 0 ? _headWithMetadata : _head;

    /// <summary>Sets status 200 and the listener headers on a Kestrel response.</summary>
    public void Apply(HttpResponse response, int metaInt)
    {
        response.StatusCode = StatusCodes.Status200OK;
        foreach (var (name, value) in metaInt > 0 ? _withMetadata : _plain)
        {
            response.Headers[name] = value;
        }
    }

    /// <summary>
    /// HTTP/1.0 and close-delimited, as Icecast answers: every player reads the body to the end of the
    /// connection, and no chunked framing ever sits between MP3 frames.
    /// </summary>
    private static byte[] RawHead(IEnumerable<(string Name, string Value)> headers)
    {
        var head = new StringBuilder("HTTP/1.0 200 OK\r\nConnection: close\r\nServer: RadioServer\r\n");
        foreach (var (name, value) in headers)
        {
            head.Append(name).Append(": ").Append(value).Append("\r\n");
        }
        var bytes = Encoding.UTF8.GetBytes(head.Append("\r\n").ToString());
        var pinned = GC.AllocateUninitializedArray<byte>(bytes.Length, pinned: true);
        bytes.CopyTo(pinned, 0);
        return pinned;
    }

    private static IEnumerable<(string Name, string Value)> Headers(RadioOptions o, int metaInt)
    {
        yield return ("Content-Type", "audio/mpeg");
        yield return ("Cache-Control", "no-cache, no-store");
        yield return ("Pragma", "no-cache");
        yield return ("Expires", "Mon, 26 Jul 1997 05:00:00 GMT");
        yield return ("Access-Control-Allow-Origin", "*");
        yield return ("icy-name", HeaderSafe(o.StationName));
        yield return ("icy-description", HeaderSafe(o.Description));
        yield return ("icy-genre", HeaderSafe(o.Genre));
        yield return ("icy-url", HeaderSafe(o.Url));
        yield return ("icy-br", o.BitrateKbps.ToString(CultureInfo.InvariantCulture));
        yield return ("icy-pub", o.Public ? "1" : "0");
        yield return ("ice-audio-info", FormattableString.Invariant($"ice-samplerate={StationFormat.SampleRate};ice-bitrate={o.BitrateKbps};ice-channels={StationFormat.Channels}"));
        if (metaInt > 0)
        {
            yield return ("icy-metaint", metaInt.ToString(CultureInfo.InvariantCulture));
        }
    }

    private static string HeaderSafe(string value) =>
        string.Create(value.Length, value, static (span, v) =>
        {
            for (var i = 0; i < v.Length; i++)
            {
                span[i] = char.IsControl(v[i]) ? ' ' : v[i];
            }
        });
}
