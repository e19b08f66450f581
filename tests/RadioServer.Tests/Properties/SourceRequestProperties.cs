using System.Globalization;
using System.Text;
using CsCheck;
using RadioServer.Live;

namespace RadioServer.Tests.Properties;

/// <summary>
/// <see cref="SourceRequest.TryParse"/>, which reads the first bytes of every PUT or SOURCE before a live source's
/// audio: it must never throw, say NotASource exactly for the other methods, read a Source's head as an independent,
/// simpler re-read does (and nothing after it), and give back exactly what a well-formed head holds.
/// </summary>
public sealed class SourceRequestProperties
{
    private const string Tchars = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

    /// <summary>The headers whose values the parser reads; the generated "extra" headers avoid them.</summary>
    private static readonly string[] s_special =
    [
        "authorization", "expect", "content-type", "user-agent", "ice-name", "icy-name", "ice-description", "icy-description",
        "ice-genre", "icy-genre", "ice-url", "icy-url", "ice-bitrate", "icy-br", "ice-audio-info", "ice-public", "icy-pub",
    ];

    private static readonly Gen<string> s_ows = Gen.OneOf("", "", " ", "  ", "\t", " \t ");

    private static readonly Gen<string> s_token = Gen.String[Gen.Char[Tchars], 1, 20];

    private static readonly Gen<string> s_unicode = Gen.OneOf("\u00e9", "\u00dc", "\u00df", "\u4e2d", "\u6587", "\u20ac", "\ud83c\udfb5", "\u00f1", "\u03a9");

    private static readonly Gen<string> s_visible = Gen.Char['!', '~'].Select(c => c.ToString());

    /// <summary>A piece of a header value: visible ASCII, a space or a tab, or a non-ASCII character (sent as UTF-8).</summary>
    private static readonly Gen<string> s_piece = Gen.Frequency((10, s_visible), (2, Gen.Const(" ")), (1, Gen.Const("\t")), (2, s_unicode));

    /// <summary>A non-empty value with nothing to trim: what ice-name and the like hold.</summary>
    private static readonly Gen<string> s_text = s_piece.Array[1, 30].Select(p => string.Concat(p).Trim(' ', '\t')).Where(t => t.Length > 0);

    /// <summary>Any value, maybe empty, maybe with spaces at its ends, now and then a long one.</summary>
    private static readonly Gen<string> s_value = Gen.Frequency(
        (12, s_piece.Array[0, 40].Select(string.Concat)),
        (1, Gen.Int[200, 800].Select(n => new string('v', n))));

    private static readonly Gen<Header> s_extraHeader =
        from name in s_token.Where(n => !s_special.Contains(n, StringComparer.OrdinalIgnoreCase))
        from value in s_value
        select new Header(name, value, value.Trim(' ', '\t'));

    private static readonly Gen<string> s_pathPiece = Gen.Frequency((12, Gen.Char['!', '~'].Where(c => c != '?').Select(c => c.ToString())), (1, s_unicode));

    private static readonly Gen<(string Target, string Path)> s_target =
        from path in s_pathPiece.Array[0, 30].Select(p => "/" + string.Concat(p))
        from query in Gen.Frequency((3, Gen.Const("")), (1, Gen.String[Gen.Char['!', '~'], 0, 20].Select(q => "?" + q)))
        select (path + query, path);

    private static readonly Gen<string> s_user = Gen.Frequency((10, s_visible), (1, Gen.Const(" ")), (2, s_unicode)).Array[0, 12]
        .Select(p => string.Concat(p).Replace(":", "", StringComparison.Ordinal));

    private static readonly Gen<string> s_password = Gen.Frequency((10, s_visible), (1, Gen.Const(" ")), (2, Gen.Const(":")), (2, s_unicode)).Array[0, 20]
        .Select(string.Concat);

    /// <summary>Basic credentials (a password may hold ':' and non-ASCII), in any case of the scheme.</summary>
    private static readonly Gen<(Header[] Headers, string? User, string? Password)> s_credentials = Gen.Frequency(
        (1, Gen.Const((Array.Empty<Header>(), (string?)null, (string?)null))),
        (3, from user in s_user
            from password in s_password
            from name in CaseOf("Authorization")
            from scheme in CaseOf("Basic")
            from gap in Gen.OneOf(" ", "  ", "\t")
            let value = $"{scheme}{gap}{Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"))}"
            select (new[] { new Header(name, value, value) }, (string?)user, (string?)password)));

    private static readonly Gen<(Header[] Headers, bool Expect)> s_expect = Gen.Frequency(
        (2, Gen.Const((Array.Empty<Header>(), false))),
        (2, from name in CaseOf("Expect") from value in CaseOf("100-continue") select (new[] { new Header(name, value, value) }, true)),
        (1, from name in CaseOf("Expect") from value in Gen.OneOf("100-continue, x", "200-ok", "", "100-continu", "100 continue")
            select (new[] { new Header(name, value, value) }, false)));

    /// <summary>A media type in any case, maybe with parameters; what is read is the type, lower-cased.</summary>
    private static readonly Gen<(Header[] Headers, string? MediaType)> s_contentType = Gen.Frequency(
        (1, Gen.Const((Array.Empty<Header>(), (string?)null))),
        (3, from type in Gen.Frequency((2, Gen.OneOf("audio/mpeg", "application/ogg", "audio/ogg", "audio/aac", "audio/aacp", "video/webm")),
                                       (1, s_token.Select(s_token).Select(t => $"{t.Item1}/{t.Item2}")))
            from cased in CaseOf(type)
            from parameters in Gen.OneOf("", "", ";charset=utf-8", "; codecs=\"opus\"", " ; a=b;c=d", ";", "\t;x")
            from name in CaseOf("Content-Type")
            let value = cased + parameters
            select (new[] { new Header(name, value, value) }, (string?)type.ToLowerInvariant())));

    private static readonly Gen<(Header[] Headers, int? Bitrate)> s_bitrate = Gen.Frequency(
        (2, Gen.Const((Array.Empty<Header>(), (int?)null))),
        (3, from kbps in Gen.Int[1, 10000]
            from name in Gen.OneOf("ice-bitrate", "icy-br").SelectMany(CaseOf)
            let value = kbps.ToString(CultureInfo.InvariantCulture)
            select (new[] { new Header(name, value, value) }, (int?)kbps)),
        (1, from ice in Gen.Int[1, 10000]
            from icy in Gen.Int[1, 10000]
            select (new[] { Plain("ice-bitrate", ice.ToString(CultureInfo.InvariantCulture)), Plain("icy-br", icy.ToString(CultureInfo.InvariantCulture)) }, (int?)ice)),
        (1, from value in Gen.OneOf("0", "10001", "abc", "12k", "-1", "+5", "1.5", "99999999999", "")
            from name in Gen.OneOf("ice-bitrate", "icy-br")
            select (new[] { Plain(name, value) }, (int?)null)));

    private static readonly (string Value, bool? Public)[] s_publicValues =
        [("1", true), ("true", true), ("TRUE", true), ("0", false), ("false", false), ("False", false), ("yes", null), ("2", null), ("", null)];

    private static readonly Gen<(Header[] Headers, bool? Public)> s_public = Gen.Frequency(
        (1, Gen.Const((Array.Empty<Header>(), (bool?)null))),
        (3, from v in Gen.OneOf(s_publicValues)
            from name in Gen.OneOf("ice-public", "icy-pub").SelectMany(CaseOf)
            select (new[] { Plain(name, v.Value) }, v.Public)));

    private static readonly Gen<(Header[] Headers, string? Value)> s_audioInfo = Gen.Frequency(
        (1, Gen.Const((Array.Empty<Header>(), (string?)null))),
        (1, from info in Gen.Frequency(
                (2, from ch in Gen.Int[1, 2] from rate in Gen.OneOf(22050, 44100, 48000) from kbps in Gen.Int[32, 320]
                    select $"channels={ch};samplerate={rate};bitrate={kbps}"),
                (1, s_text))
            from name in CaseOf("ice-audio-info")
            select (new[] { Plain(name, info) }, (string?)info)));

    private static readonly Gen<(Header[] Headers, string? Value)> s_userAgent = Gen.Frequency(
        (1, Gen.Const((Array.Empty<Header>(), (string?)null))),
        (3, from ua in s_text from name in CaseOf("User-Agent") select (new[] { Plain(name, ua) }, (string?)ua)));

    /// <summary>Name, description, genre and URL, each absent, as ice-*, as its icy-* twin, or both (ice-* is read).</summary>
    private static readonly Gen<((Header[] Headers, string? Value) Name, (Header[] Headers, string? Value) Description,
        (Header[] Headers, string? Value) Genre, (Header[] Headers, string? Value) Url)> s_stationInfo =
        Gen.Select(Twins("ice-name", "icy-name"), Twins("ice-description", "icy-description"), Twins("ice-genre", "icy-genre"), Twins("ice-url", "icy-url"));

    /// <summary>A well-formed source head with what the parser must find in it, and audio after it.</summary>
    private static readonly Gen<SourceHead> s_sourceHead =
        from method in Gen.OneOf(SourceMethod.Put, SourceMethod.Source)
        from target in s_target
        from protocol in Gen.OneOf("HTTP/1.1", "HTTP/1.0", "ICE/1.0")
        from credentials in s_credentials
        from expect in s_expect
        from contentType in s_contentType
        from info in s_stationInfo
        from bitrate in s_bitrate
        from isPublic in s_public
        from audioInfo in s_audioInfo
        from userAgent in s_userAgent
        from extra in s_extraHeader.Array[0, 15]
        from ows in s_ows.Select(s_ows).Array[40]
        from order in Gen.Int[0, 1000].Array[40]
        from crlf in Gen.Bool.Array[42]
        from audio in Gen.Byte.Array[0, 64]
        select SourceHead.Build(method, target, protocol, ows, order, crlf, audio,
            [credentials.Headers, expect.Headers, contentType.Headers, info.Name.Headers, info.Description.Headers, info.Genre.Headers,
             info.Url.Headers, bitrate.Headers, isPublic.Headers, audioInfo.Headers, userAgent.Headers, extra],
            new Expected(credentials.User, credentials.Password, expect.Expect, contentType.MediaType, info.Name.Value, info.Description.Value,
                info.Genre.Value, info.Url.Value, bitrate.Bitrate, audioInfo.Value, userAgent.Value, isPublic.Public));

    private static readonly string[] s_pieces =
    [
        "PUT", "PUT ", "SOURCE ", "put ", "GET ", " ", "  ", "/live", "/", "?", "*", "HTTP/1.1", "HTTP/1.0", "ICE/1.0", " HTTP/1.1", "ICE/1.1",
        "\r\n", "\r\n\r\n", "\n", "\n\n", "\r", "\0", "\t", ":", ": ", "Authorization: Basic ", "c291cmNlOmhhY2ttZQ==", "Basic", "=",
        "Expect: 100-continue", "Content-Type", "audio/mpeg", ";", "ice-name", "icy-br", "128", "ice-public", "1", "x", "\u00e9", "\u00ff", "\u0080",
    ];

    /// <summary>Random bytes, random runs of the words a source head is made of, and the listener properties' raw requests.</summary>
    private static readonly Gen<byte[]> s_soup = Gen.Frequency(
        (2, Gen.Byte.Array[0, 600]),
        (3, Gen.OneOf(s_pieces).Array[0, 50].Select(p => Encoding.Latin1.GetBytes(string.Concat(p)))),
        (2, Gen.OneOf(s_pieces).Array[0, 50].Select(p => Encoding.Latin1.GetBytes("SOURCE /live ICE/1.0\n" + string.Concat(p)))),
        (1, ListenerRequestProperties.Soup),
        (1, ListenerRequestProperties.MutatedRequests));

    /// <summary>What a clumsy or hostile source client sends: a well-formed head mutated one to six times.</summary>
    private static readonly Gen<byte[]> s_mutated =
        from head in s_sourceHead
        from mutations in Gen.Select(Gen.Int[0, 9], Gen.UInt, Gen.Byte, Gen.Int[1, 16]).Array[1, 6]
        select mutations.Aggregate(head.Bytes, Mutate);

    [Fact]
    public void AnyBytes_NeverThrow_AndWhatIsParsedAgreesWithAnIndependentReRead()
    {
        Property.Run(s_soup, AssertSound, seed: "sourceSoup01", iter: 3000, print: Property.Escape);
    }

    [Fact]
    public void MutatedSourceHeads_NeverThrow_AndWhatIsParsedAgreesWithAnIndependentReRead()
    {
        Property.Run(s_mutated, AssertSound, seed: "sourceMutate", iter: 2000, print: Property.Escape);
    }

    [Fact]
    public void WellFormedSourceHead_InAnyOrderCaseAndLineEnds_IsParsedWithExactlyItsValues()
    {
        Property.Run(s_sourceHead, head =>
        {
            var result = SourceRequest.TryParse(head.Bytes, out var request, out var reason);
            Assert.True(result == SourceParse.Source, $"{result}: {reason}");
            Assert.NotNull(request);
            Assert.Null(reason);
            Assert.Equal(head.Method, request.Method);
            Assert.Equal(head.Path, request.Path);
            Assert.Equal(head.Protocol, request.Protocol);
            Assert.Equal(head.HeadLength, request.HeadLength);
            var e = head.Expected;
            Assert.Equal(e.ExpectContinue, request.ExpectContinue);
            Assert.Equal((e.User, e.Password), (request.User, request.Password));
            Assert.Equal(e.ContentType, request.ContentType);
            Assert.Equal((e.Name, e.Description, e.Genre, e.Url), (request.Name, request.Description, request.Genre, request.Url));
            Assert.Equal((e.Bitrate, e.AudioInfo, e.UserAgent, e.Public), (request.Bitrate, request.AudioInfo, request.UserAgent, request.Public));
            Assert.Equal(head.Headers.OrderBy(h => h.Key, StringComparer.OrdinalIgnoreCase),
                request.Headers.OrderBy(h => h.Key, StringComparer.OrdinalIgnoreCase),
                new KeyValueComparer());
        }, seed: "sourceRound1", iter: 1500, print: h => Property.Escape(h.Bytes));
    }

    [Fact]
    public void NotASource_ExactlyWhenTheMethodIsNotPutOrSource()
    {
        var methods = new[] { "PUT", "SOURCE", "GET", "HEAD", "POST", "OPTIONS", "DELETE", "put", "Put", "source", "Source", "PUTS", "SOURCES", "PU", "SOURC", "XPUT", "P\u00dcT", "" };
        var gen =
            from head in s_sourceHead
            from method in Gen.Frequency((2, Gen.OneOf(methods)), (1, s_token))
            let line = head.Bytes.AsSpan().IndexOf((byte)' ')
            select (method, Bytes: Encoding.UTF8.GetBytes(method).Concat(head.Bytes.Skip(line)).ToArray());
        Property.Run(gen, input =>
        {
            var result = SourceRequest.TryParse(input.Bytes, out var request, out _);
            if (input.method is "PUT" or "SOURCE")
            {
                Assert.Equal(SourceParse.Source, result);
                Assert.Equal(input.method == "PUT" ? SourceMethod.Put : SourceMethod.Source, request!.Method);
            }
            else
            {
                Assert.Equal(SourceParse.NotASource, result);
            }
        }, seed: "sourceMethod", iter: 1000, print: input => Property.Escape(input.Bytes));
    }

    /// <summary>
    /// Never throws; NotASource exactly when the method (the bytes before the first space, tab, CR or LF) is not PUT or
    /// SOURCE; a Bad has a short printable reason; a Source is what a plain string re-read of its head finds (the head
    /// ends with the first blank line, its request line, every header, the credentials), and the same whatever follows.
    /// </summary>
    private static void AssertSound(byte[] bytes)
    {
        var result = SourceRequest.TryParse(bytes, out var request, out var reason);
        var window = bytes.AsSpan(0, Math.Min(bytes.Length, SourceRequest.MaxHead));
        var end = window.IndexOfAny(" \t\r\n"u8);
        var method = Encoding.Latin1.GetString(end < 0 ? window : window[..end]);
        Assert.Equal(method is not ("PUT" or "SOURCE"), result == SourceParse.NotASource);
        switch (result)
        {
            case SourceParse.NotASource:
                Assert.Null(request);
                Assert.Null(reason);
                return;
            case SourceParse.Bad:
                Assert.Null(request);
                Assert.NotNull(reason);
                Assert.True(reason.Length is > 0 and <= 80 && reason.All(c => c is >= ' ' and <= '~'), reason);
                return;
        }
        Assert.Null(reason);
        Assert.NotNull(request);
        Assert.InRange(request.HeadLength, 1, window.Length);

        // The head, re-read as text: lines split at LF, a CR before it dropped; the last line is the first empty one.
        var head = Encoding.Latin1.GetString(bytes, 0, request.HeadLength);
        Assert.True(head.EndsWith("\n\n", StringComparison.Ordinal) || head.EndsWith("\n\r\n", StringComparison.Ordinal), "not ended by a blank line");
        var lines = head.Split('\n')[..^1].Select(l => l.EndsWith('\r') ? l[..^1] : l).ToArray();
        Assert.Equal("", lines[^1]);
        Assert.DoesNotContain("", lines[..^1]);

        var parts = lines[0].Split(' ');
        Assert.Equal(3, parts.Length);
        Assert.Equal(parts[0] == "PUT" ? SourceMethod.Put : SourceMethod.Source, request.Method);
        Assert.Contains(parts[2], new[] { "HTTP/1.1", "HTTP/1.0", "ICE/1.0" });
        Assert.Equal(parts[2], request.Protocol);
        var target = parts[1];
        Assert.StartsWith("/", target, StringComparison.Ordinal);
        Assert.InRange(target.Length, 1, SourceRequest.MaxTarget);
        Assert.DoesNotContain(target, c => c is <= ' ' or '\x7f');
        Assert.Equal(Encoding.UTF8.GetString(Encoding.Latin1.GetBytes(target.Split('?')[0])), request.Path);

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var fields = lines[1..^1];
        Assert.InRange(fields.Length, 0, SourceRequest.MaxHeaders);
        foreach (var field in fields)
        {
            var colon = field.IndexOf(':', StringComparison.Ordinal);
            Assert.True(colon > 0, field);
            Assert.True(field[..colon].All(Tchars.Contains), field);
            var value = field[(colon + 1)..].Trim(' ', '\t');
            Assert.DoesNotContain(value, c => c is < ' ' and not '\t' or '\x7f');
            headers[field[..colon]] = Encoding.UTF8.GetString(Encoding.Latin1.GetBytes(value));
        }
        Assert.Equal(headers.OrderBy(h => h.Key, StringComparer.OrdinalIgnoreCase), request.Headers.OrderBy(h => h.Key, StringComparer.OrdinalIgnoreCase), new KeyValueComparer());

        Assert.Equal(headers.TryGetValue("Expect", out var expect) && string.Equals(expect, "100-continue", StringComparison.OrdinalIgnoreCase), request.ExpectContinue);
        var mediaType = headers.TryGetValue("Content-Type", out var contentType) ? contentType.Split(';')[0].Trim(' ', '\t').ToLowerInvariant() : "";
        Assert.Equal(mediaType.Length > 0 ? mediaType : null, request.ContentType);
        Assert.Equal(request.User is null, request.Password is null);
        if (request.User is not null)
        {
            var authorization = headers["Authorization"];
            Assert.StartsWith("basic", authorization, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(':', request.User);
            Assert.Equal(Encoding.UTF8.GetBytes($"{request.User}:{request.Password}"), Convert.FromBase64String(authorization[5..].Trim(' ', '\t')));
        }

        // Whatever follows the head (the audio) changes nothing.
        byte[] otherTail = [.. bytes.AsSpan(0, request.HeadLength), .. "\r\n\r\nGET / HTTP/1.1\r\n\0\x01 :\n\n"u8, .. Enumerable.Reverse(bytes[request.HeadLength..])];
        Assert.Equal(SourceParse.Source, SourceRequest.TryParse(otherTail, out var again, out _));
        Assert.Equal((request.Method, request.Path, request.Protocol, request.HeadLength, request.ExpectContinue, request.User, request.Password, request.ContentType),
            (again!.Method, again.Path, again.Protocol, again.HeadLength, again.ExpectContinue, again.User, again.Password, again.ContentType));
        Assert.Equal(request.Headers.OrderBy(h => h.Key, StringComparer.OrdinalIgnoreCase), again.Headers.OrderBy(h => h.Key, StringComparer.OrdinalIgnoreCase), new KeyValueComparer());
    }

    private static Gen<(Header[] Headers, string? Value)> Twins(string ice, string icy) => Gen.Frequency(
        (2, Gen.Const((Array.Empty<Header>(), (string?)null))),
        (2, from value in s_text from name in CaseOf(ice) select (new[] { Plain(name, value) }, (string?)value)),
        (2, from value in s_text from name in CaseOf(icy) select (new[] { Plain(name, value) }, (string?)value)),
        (1, from iceValue in s_text from icyValue in s_text from iceName in CaseOf(ice) from icyName in CaseOf(icy)
            select (new[] { Plain(iceName, iceValue), Plain(icyName, icyValue) }, (string?)iceValue)));

    private static Header Plain(string name, string value) => new(name, value, value);

    private static Gen<string> CaseOf(string name) => HeadMutation.CaseOf(name);

    private static byte[] Mutate(byte[] bytes, (int Kind, uint Where, byte Byte, int Length) m) =>
        HeadMutation.Apply(bytes, m, "\n\n"u8.ToArray(), m => m.Byte % 2 == 0
            ? $"X-Long: {new string('a', 1100 * m.Length)}\r\n"
            : string.Concat(Enumerable.Repeat("X: 1\n", 7 * m.Length)));

    /// <summary>A header as generated: its name, the value as written (OWS is added around it), and as it must be read.</summary>
    private sealed record Header(string Name, string Raw, string Value);

    private sealed record Expected(string? User, string? Password, bool ExpectContinue, string? ContentType, string? Name, string? Description,
        string? Genre, string? Url, int? Bitrate, string? AudioInfo, string? UserAgent, bool? Public);

    /// <summary>A source head as bytes (UTF-8, then audio), with what the parser must find in it.</summary>
    private sealed record SourceHead(byte[] Bytes, int HeadLength, SourceMethod Method, string Path, string Protocol,
        Dictionary<string, string> Headers, Expected Expected)
    {
        public static SourceHead Build(SourceMethod method, (string Target, string Path) target, string protocol, (string, string)[] ows,
            int[] order, bool[] crlf, byte[] audio, Header[][] groups, Expected expected)
        {
            // Every header, shuffled by the generated keys (a stable sort: deterministic); the last of a name wins.
            var headers = groups.SelectMany(g => g).Select((h, i) => (h, Key: order[i])).OrderBy(x => x.Key).Select(x => x.h).ToList();
            var read = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var h in headers)
            {
                read[h.Name] = h.Value;
            }
            var text = new StringBuilder($"{(method == SourceMethod.Put ? "PUT" : "SOURCE")} {target.Target} {protocol}");
            var line = 0;
            foreach (var h in headers)
            {
                text.Append(crlf[line++] ? "\r\n" : "\n").Append(h.Name).Append(':').Append(ows[line].Item1).Append(h.Raw).Append(ows[line].Item2);
            }
            text.Append(crlf[line] ? "\r\n" : "\n").Append(crlf[41] ? "\r\n" : "\n");
            var head = Encoding.UTF8.GetBytes(text.ToString());
            return new SourceHead([.. head, .. audio], head.Length, method, target.Path, protocol, read, expected);
        }
    }

    private sealed class KeyValueComparer : IEqualityComparer<KeyValuePair<string, string>>
    {
        public bool Equals(KeyValuePair<string, string> x, KeyValuePair<string, string> y) =>
            string.Equals(x.Key, y.Key, StringComparison.OrdinalIgnoreCase) && string.Equals(x.Value, y.Value, StringComparison.Ordinal);

        public int GetHashCode(KeyValuePair<string, string> obj) => StringComparer.OrdinalIgnoreCase.GetHashCode(obj.Key);
    }
}
