using System.Text;
using CsCheck;
using RadioServer.Streaming.Listeners;

namespace RadioServer.Tests.Properties;

/// <summary>
/// <see cref="ListenerRequest.TryParse"/>, which the accept loop runs on the first bytes of every connection before
/// anything else sees them: it must never throw, claim only a whole, plain GET of the mount, and claim every one.
/// </summary>
public sealed class ListenerRequestProperties
{
    private const string Tchars = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

    /// <summary>Headers the parser reads or that mean a body or a protocol switch; the "extra" headers avoid them.</summary>
    private static readonly string[] s_special = ["icy-metadata", "user-agent", "content-length", "transfer-encoding", "expect", "upgrade"];

    private static readonly string[] s_mounts = ["/stream", "/live.mp3", "/radio/high"];

    private static readonly Gen<string> s_ows = Gen.OneOf("", "", " ", "  ", "\t", " \t ");

    private static readonly Gen<string> s_token = Gen.String[Gen.Char[Tchars], 1, 24];

    /// <summary>A header value as RFC 9110 allows it (visible ASCII, spaces and tabs inside), now and then a long one.</summary>
    private static readonly Gen<string> s_value = Gen.Frequency(
        (8, Gen.String[Gen.Frequency((12, Gen.Char['!', '~']), (1, Gen.Char[" \t"])), 0, 40]),
        (1, Gen.Int[500, 3000].Select(n => new string('v', n))));

    private static readonly Gen<string> s_extraHeader =
        from name in s_token.Where(n => !s_special.Contains(n, StringComparer.OrdinalIgnoreCase))
        from ows1 in s_ows
        from value in s_value
        from ows2 in s_ows
        select $"{name}:{ows1}{value}{ows2}";

    /// <summary>A player's GET of the mount: any well-formed extra headers, maybe Icy-MetaData and User-Agent in any case and place.</summary>
    private static readonly Gen<PlayerRequest> s_player =
        from mount in Gen.OneOf(s_mounts)
        from query in Gen.Frequency((3, Gen.Const("")), (1, Gen.String[Gen.Char['!', '~'], 0, 30].Select(q => "?" + q)))
        from version in Gen.OneOf("HTTP/1.0", "HTTP/1.1")
        from extra in s_extraHeader.Array[0, 12]
        from icy in Gen.Frequency((4, Gen.Const((string?)"1")), (1, Gen.OneOf("0", "true", "", "2", "01", "1 1", "yes").Select(v => (string?)v)), (1, Gen.Const((string?)null)))
        from icyName in CaseOf("Icy-MetaData")
        from icyOws in s_ows.Select(s_ows)
        from userAgent in Gen.Frequency((3, s_value.Select(v => (string?)v)), (1, Gen.Const((string?)null)))
        from uaName in CaseOf("User-Agent")
        from contentLength0 in Gen.Bool
        from order in Gen.Int[0, 1000].Array[extra.Length + 3]
        from after in Gen.Frequency((4, Gen.Const("")), (1, Gen.OneOf("GET /listen.m3u HTTP/1.1\r\n\r\n", "garbage", "\0\0\0", "\r\n")))
        select PlayerRequest.Build(mount, query, version, extra, icy is null ? null : $"{icyName}:{icyOws.Item1}{icy}{icyOws.Item2}",
            userAgent is null ? null : $"{uaName}: {userAgent}", contentLength0 ? "Content-Length: 0" : null, order, after, icy?.Trim(' ', '\t') == "1",
            userAgent?.Trim(' ', '\t') ?? "");

    /// <summary>What a clumsy or hostile client sends: a player's request mutated one to six times.</summary>
    private static readonly Gen<(string Mount, byte[] Bytes)> s_mutated =
        from request in s_player
        from mutations in Gen.Select(Gen.Int[0, 9], Gen.UInt, Gen.Byte, Gen.Int[1, 16]).Array[1, 6]
        select (request.Mount, mutations.Aggregate(request.Bytes, Mutate));

    private static readonly string[] s_pieces =
    [
        "GET", "GET ", "get ", "HEAD ", "POST ", " ", "  ", "/stream", "/stream?", "/streamx", "/", "?", "HTTP/1.1", "HTTP/1.0", " HTTP/1.1",
        "HTTP/2.0", "\r\n", "\r\n\r\n", "\n", "\r", "\0", "\t", ":", ": ", "Icy-MetaData", "1", "Host", "x", "Content-Length", "0", "7",
        "Upgrade", "websocket", "Transfer-Encoding", "chunked", "Expect", "100-continue", "User-Agent", "\u00e9", "\u00ff", "%00", "..",
    ];

    /// <summary>A request line put together from right and wrong parts (a missing target or space, another version), then headers.</summary>
    private static readonly Gen<(string Mount, byte[] Bytes)> s_requestLine =
        from mount in Gen.OneOf(s_mounts)
        from method in Gen.Frequency((4, Gen.Const("GET")), (1, Gen.OneOf("HEAD", "get", "GET GET", "", "G")))
        from sp1 in Gen.Frequency((4, Gen.Const(" ")), (1, Gen.OneOf("", "  ", "\t")))
        from target in Gen.Frequency((3, Gen.Const(mount)), (1, Gen.Const("")), (1, Gen.OneOf("/", "?", mount + "?", mount + "?x", mount + " ", "HTTP/1.1")), (1, Gen.String[Gen.Char['!', '~'], 0, 12]))
        from sp2 in Gen.Frequency((4, Gen.Const(" ")), (1, Gen.OneOf("", "  ", "\t")))
        from version in Gen.Frequency((4, Gen.OneOf("HTTP/1.1", "HTTP/1.0")), (1, Gen.OneOf("", "HTTP/1.", "HTTP/2.0", "http/1.1", "HTTP/1.1 ", " HTTP/1.1")))
        from headers in s_extraHeader.Array[0, 3]
        from end in Gen.Frequency((4, Gen.Const("\r\n")), (1, Gen.OneOf("", "\n", "\r\n\r\n", "\0")))
        select (mount, Encoding.Latin1.GetBytes($"{method}{sp1}{target}{sp2}{version}\r\n{string.Concat(headers.Select(h => h + "\r\n"))}{end}"));

    /// <summary>Random bytes, random runs of the words a request is made of, and request lines of right and wrong parts.</summary>
    private static readonly Gen<(string Mount, byte[] Bytes)> s_soup = Gen.Frequency(
        (1, Gen.OneOf(s_mounts).Select(Gen.Byte.Array[0, 600])),
        (2, Gen.OneOf(s_mounts).Select(Gen.OneOf(s_pieces).Array[0, 40].Select(p => Encoding.Latin1.GetBytes(string.Concat(p))))),
        (2, s_requestLine));

    /// <summary>The same inputs as raw requests, for the properties over the network (<see cref="HostileRequestProperties"/>).</summary>
    internal static Gen<byte[]> PlayerRequests => s_player.Select(r => r.Bytes);

    internal static Gen<byte[]> MutatedRequests => s_mutated.Select(r => r.Bytes);

    internal static Gen<byte[]> Soup => s_soup.Select(r => r.Bytes);

    internal static Gen<byte[]> RequestLines => s_requestLine.Select(r => r.Bytes);

    [Fact]
    public void AnyBytes_NeverThrow_AndWhatIsClaimedIsAWholePlainGetOfTheMount()
    {
        Property.Run(s_soup, input => AssertClaimIsSound(input.Mount, input.Bytes), seed: "listenerSoup", iter: 3000, print: Print);
    }

    [Fact]
    public void MutatedPlayerRequests_NeverThrow_AndWhatIsClaimedIsAWholePlainGetOfTheMount()
    {
        Property.Run(s_mutated, input => AssertClaimIsSound(input.Mount, input.Bytes), seed: "listenerMut1", iter: 3000, print: Print);
    }

    [Fact]
    public void PlayerGetOfTheMount_IsAlwaysClaimed_WithItsHeadLength_IcyMetaData_AndUserAgent()
    {
        Property.Run(s_player, request =>
        {
            Assert.True(ListenerRequest.TryParse(request.Bytes, Encoding.ASCII.GetBytes(request.Mount), out var parsed), "not claimed");
            Assert.Equal(request.HeadLength, parsed.HeadLength);
            Assert.Equal(request.Icy, parsed.IcyMetadata);
            Assert.Equal(request.UserAgent, parsed.UserAgent);
        }, seed: "listenerGet1", iter: 1500, print: r => Property.Escape(r.Bytes));
    }

    [Fact]
    public void RequestForAnotherPathOrMethod_IsNeverClaimed()
    {
        var nearMisses = new[] { "", "/", "//stream", "/Stream", "/STREAM", "/stream/", "/streamx", "/stream.mp3", "/stream#x", "/stream%3F", "/stream;x", "stream", "/./stream", "/../stream", "*" };
        var gen =
            from mount in Gen.OneOf(s_mounts)
            from path in Gen.Frequency(
                (2, Gen.OneOf(nearMisses).Select(p => p.Replace("/stream", mount, StringComparison.Ordinal).Replace("stream", mount.TrimStart('/'), StringComparison.Ordinal))),
                (2, Gen.String[Gen.Char['!', '~'], 0, 40].Select(p => "/" + p)),
                (1, Gen.String[Gen.Char['!', '~'], 0, 8].Select(p => mount + p)))
            where path != mount && !path.StartsWith(mount + "?", StringComparison.Ordinal)
            from method in Gen.Frequency((3, Gen.Const("GET")), (1, Gen.OneOf("HEAD", "POST", "PUT", "get", "Get", "OPTIONS", "SOURCE")))
            from headers in s_extraHeader.Array[0, 6]
            select (mount, Encoding.ASCII.GetBytes($"{method} {path} HTTP/1.1\r\n{string.Concat(headers.Select(h => h + "\r\n"))}\r\n"));
        // The mount itself with another method is not a player's GET either (Kestrel answers HEAD).
        var otherMethod =
            from mount in Gen.OneOf(s_mounts)
            from method in Gen.OneOf("HEAD", "POST", "PUT", "DELETE", "get", "GET\t", "GETS", " GET", "SOURCE")
            select (mount, Encoding.ASCII.GetBytes($"{method} {mount} HTTP/1.1\r\nHost: x\r\n\r\n"));
        Property.Run(Gen.Frequency((4, gen), (1, otherMethod)), input =>
            Assert.False(ListenerRequest.TryParse(input.Item2, Encoding.ASCII.GetBytes(input.mount), out _), "claimed"),
            seed: "listenerPath", iter: 1500, print: Print);
    }

    /// <summary>
    /// Never throws; and a claim holds only for what the type documents: a whole head (ended by the first blank line,
    /// within the bytes), "GET " + the mount (+ "?query") + " HTTP/1.0|1.1", lines of printable ASCII (tabs allowed) ended
    /// by CRLF, "name: value" headers, no body or protocol switch; IcyMetadata and UserAgent as its last such headers say.
    /// </summary>
    private static void AssertClaimIsSound(string mount, byte[] bytes)
    {
        if (!ListenerRequest.TryParse(bytes, Encoding.ASCII.GetBytes(mount), out var request))
        {
            return;
        }
        Assert.InRange(request.HeadLength, 4, bytes.Length);
        var head = Encoding.ASCII.GetString(bytes, 0, request.HeadLength);
        Assert.EndsWith("\r\n\r\n", head, StringComparison.Ordinal);
        Assert.Equal(request.HeadLength - 4, head.IndexOf("\r\n\r\n", StringComparison.Ordinal));
        Assert.All(bytes[..request.HeadLength], b => Assert.True(b is (byte)'\t' or (byte)'\r' or (byte)'\n' or >= 0x20 and <= 0x7e, $"byte 0x{b:x2}"));
        var lines = head[..^4].Split("\r\n");
        Assert.DoesNotContain(lines, l => l.Contains('\r', StringComparison.Ordinal) || l.Contains('\n', StringComparison.Ordinal));
        var line = lines[0];
        Assert.True(line.StartsWith("GET " + mount + " ", StringComparison.Ordinal) || line.StartsWith("GET " + mount + "?", StringComparison.Ordinal), line);
        Assert.True(line.EndsWith(" HTTP/1.1", StringComparison.Ordinal) || line.EndsWith(" HTTP/1.0", StringComparison.Ordinal), line);
        Assert.Equal(2, line.Count(c => c == ' '));
        var icy = false;
        var userAgent = "";
        foreach (var header in lines.Skip(1))
        {
            var colon = header.IndexOf(':', StringComparison.Ordinal);
            Assert.True(colon > 0, header);
            var name = header[..colon];
            var value = header[(colon + 1)..].Trim(' ', '\t');
            Assert.True(name.All(c => c is > ' ' and <= '~'), name);
            Assert.False(name is var n && (n.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) || n.Equals("Expect", StringComparison.OrdinalIgnoreCase) ||
                n.Equals("Upgrade", StringComparison.OrdinalIgnoreCase) || (n.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) && value != "0")), header);
            if (name.Equals("Icy-MetaData", StringComparison.OrdinalIgnoreCase))
            {
                icy = value == "1";
            }
            else if (name.Equals("User-Agent", StringComparison.OrdinalIgnoreCase))
            {
                userAgent = value;
            }
        }
        Assert.Equal(icy, request.IcyMetadata);
        Assert.Equal(userAgent, request.UserAgent);
    }

    private static byte[] Mutate(byte[] bytes, (int Kind, uint Where, byte Byte, int Length) m) =>
        HeadMutation.Apply(bytes, m, "\r\n\r\n"u8.ToArray(), m => $"X-Long: {new string('a', 200 * m.Length)}\r\n");

    private static Gen<string> CaseOf(string name) => HeadMutation.CaseOf(name);

    private static string Print((string Mount, byte[] Bytes) input) => $"{input.Mount}: {Property.Escape(input.Bytes)}";

    /// <summary>A player's request as bytes, with what the parser must find in it.</summary>
    private sealed record PlayerRequest(string Mount, byte[] Bytes, int HeadLength, bool Icy, string UserAgent)
    {
        public static PlayerRequest Build(string mount, string query, string version, string[] extra, string? icyHeader, string? userAgentHeader,
            string? contentLength, int[] order, string after, bool icy, string userAgent)
        {
            // The extra headers and the optional ones, shuffled by the generated keys (a stable sort: deterministic).
            var headers = extra.Append(icyHeader).Append(userAgentHeader).Append(contentLength).Select((h, i) => (h, Key: order[i]))
                .Where(x => x.h is not null).OrderBy(x => x.Key).Select(x => x.h!);
            var head = $"GET {mount}{query} {version}\r\n{string.Concat(headers.Select(h => h + "\r\n"))}\r\n";
            return new PlayerRequest(mount, Encoding.ASCII.GetBytes(head + after), head.Length, icy, userAgent);
        }
    }
}
