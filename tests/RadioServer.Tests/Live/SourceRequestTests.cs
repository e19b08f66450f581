using System.Text;
using RadioServer.Live;

namespace RadioServer.Tests.Live;

/// <summary>
/// <see cref="SourceRequest.TryParse"/> on the heads real source clients send. The heads marked "captured" are the
/// bytes each client wrote to a loopback socket (ffmpeg 5.1 = Lavf 59.27.100, libshout 2.4.6's <c>shout</c>,
/// Liquidsoap 2.1.3, DarkIce 1.3, as packaged by Debian 12), with only the port in Host changed; the ICE/1.0 head
/// is DarkIce's older IceCast2 login as its source writes it.
/// </summary>
public sealed class SourceRequestTests
{
    /// <summary>The first bytes of an MP3 stream with an ID3v2 tag, as ffmpeg's mp3 muxer starts it.</summary>
    private static readonly byte[] s_id3Audio = [0x49, 0x44, 0x33, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x23, 0x54, 0x53, 0x53, 0x45];

    /// <summary>The first bytes of an MP3 frame (MPEG-1 layer III, 128 kbit/s), then bytes that would break a head.</summary>
    private static readonly byte[] s_mp3Audio = [0xff, 0xfb, 0x90, 0xc4, 0x00, 0x00, 0x0d, 0x0a, 0x00, 0x7f, 0x3a, 0x0d, 0x0a, 0x0d, 0x0a];

    // ffmpeg -f mp3 -ice_name ... icecast://source:hackme@host:8000/live (captured)
    private const string FfmpegPut =
        "PUT /live HTTP/1.1\r\nUser-Agent: Lavf/59.27.100\r\nAccept: */*\r\nExpect: 100-continue\r\nConnection: close\r\n" +
        "Host: 127.0.0.1:8000\r\nContent-Type: audio/mpeg\r\nIcy-MetaData: 1\r\nIce-Name: Morning Show\r\n" +
        "Ice-Description: Live from studio\r\nIce-URL: http://radio.example/\r\nIce-Genre: Talk\r\nIce-Public: 0\r\n" +
        "Authorization: Basic c291cmNlOmhhY2ttZQ==\r\n\r\n";

    // ffmpeg -legacy_icecast 1 -content_type application/ogg -ice_public 1 -password 'p:äss' icecast://dj@host:8000/live.ogg (captured)
    private const string FfmpegLegacySource =
        "SOURCE /live.ogg HTTP/1.1\r\nUser-Agent: Lavf/59.27.100\r\nAccept: */*\r\nConnection: close\r\nHost: 127.0.0.1:8000\r\n" +
        "Content-Type: application/ogg\r\nIcy-MetaData: 1\r\nIce-Name: Caf\u00e9 \u00dcn\u00efcode\r\nIce-Public: 1\r\n" +
        "Authorization: Basic ZGo6cDrDpHNz\r\n\r\n";

    // libshout 2.4.6, --tls-mode disabled: the challenge, no Authorization (captured)
    private const string LibshoutChallenge =
        "SOURCE /live HTTP/1.0\r\nHost: 127.0.0.1:8000\r\nUser-Agent: libshout/2.4.6\r\nContent-Type: audio/mpeg\r\n" +
        "Content-Length: 0\r\nConnection: Keep-Alive\r\nice-public: 0\r\nice-name: Morning Show\r\nice-genre: Talk\r\n" +
        "ice-description: Live from studio\r\nice-url: http://radio.example/\r\nPrefer: return=minimal\r\n\r\n";

    // libshout 2.4.6, after a 401 whose Allow did not list PUT (captured)
    private const string LibshoutSource =
        "SOURCE /live HTTP/1.0\r\nAuthorization: Basic c291cmNlOmhhY2ttZQ==\r\nHost: 127.0.0.1:8000\r\nUser-Agent: libshout/2.4.6\r\n" +
        "Content-Type: audio/mpeg\r\nice-public: 0\r\nice-name: Morning Show\r\nice-genre: Talk\r\n" +
        "ice-description: Live from studio\r\nice-url: http://radio.example/\r\nPrefer: return=minimal\r\n\r\n";

    // libshout 2.4.6, default TLS mode "auto": its first request, before any challenge (captured)
    private const string LibshoutOptions =
        "OPTIONS * HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nUser-Agent: libshout/2.4.6\r\nConnection: Upgrade\r\nUpgrade: TLS/1.0, HTTP/1.1\r\n\r\n";

    // libshout 2.4.6 once an Allow (of the OPTIONS answer) listed PUT: the challenge is a PUT (captured)
    private const string LibshoutPutChallenge =
        "PUT /live HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nUser-Agent: libshout/2.4.6\r\nContent-Type: audio/mpeg\r\n" +
        "Content-Length: 0\r\nConnection: Keep-Alive\r\nice-public: 0\r\nice-name: Morning Show\r\nice-genre: Talk\r\n" +
        "ice-description: Live from studio\r\nice-url: http://radio.example/\r\nPrefer: return=minimal\r\n\r\n";

    // ... and its retry with credentials (captured)
    private const string LibshoutPut =
        "PUT /live HTTP/1.1\r\nAuthorization: Basic c291cmNlOmhhY2ttZQ==\r\nHost: 127.0.0.1:8000\r\nUser-Agent: libshout/2.4.6\r\n" +
        "Content-Type: audio/mpeg\r\nExpect: 100-continue\r\nice-public: 0\r\nice-name: Morning Show\r\nice-genre: Talk\r\n" +
        "ice-description: Live from studio\r\nice-url: http://radio.example/\r\nPrefer: return=minimal\r\n\r\n";

    // Liquidsoap 2.1.3 output.icecast(%mp3(bitrate=128), host="127.0.0.1", ...): no Host for an address (captured)
    private const string LiquidsoapSource =
        "SOURCE /live HTTP/1.0\r\nice-url: http://radio.example/\r\nice-name: Morning Show\r\nAuthorization: Basic c291cmNlOmhhY2ttZQ==\r\n" +
        "ice-description: Live from studio\r\nice-public: 1\r\nUser-Agent: Liquidsoap/2.1.3 (Unix; OCaml 4.13.1)\r\nice-genre: Talk\r\n" +
        "ice-audio-info: channels=2;samplerate=44100;bitrate=128\r\nContent-Type: audio/mpeg\r\n\r\n";

    // ... method="put": a PUT in HTTP/1.0 with Expect (captured)
    private const string LiquidsoapPut =
        "PUT /live HTTP/1.0\r\nice-url: http://radio.example/\r\nice-name: Morning Show\r\nExpect: 100-continue\r\n" +
        "Authorization: Basic c291cmNlOmhhY2ttZQ==\r\nice-description: Live from studio\r\nice-public: 1\r\n" +
        "User-Agent: Liquidsoap/2.1.3 (Unix; OCaml 4.13.1)\r\nice-genre: Talk\r\nice-audio-info: channels=2;samplerate=44100;bitrate=128\r\n" +
        "Content-Type: audio/mpeg\r\n\r\n";

    // ... chunked=true: HTTP/1.1, chunked body, an empty Host (captured)
    private const string LiquidsoapChunked =
        "SOURCE /live HTTP/1.1\r\nice-url: http://radio.example/\r\nTransfer-Encoding: chunked\r\nHost: \r\nice-name: Morning Show\r\n" +
        "Authorization: Basic c291cmNlOmhhY2ttZQ==\r\nice-description: Live from studio\r\nice-public: 1\r\n" +
        "User-Agent: Liquidsoap/2.1.3 (Unix; OCaml 4.13.1)\r\nice-genre: Talk\r\nice-audio-info: channels=2;samplerate=44100;bitrate=128\r\n" +
        "Content-Type: audio/mpeg\r\n\r\n";

    // DarkIce 1.3, [icecast2-0] format = mp3: lines end in LF, the last one and the blank line in CRLF (captured)
    private const string DarkIce =
        "SOURCE /live HTTP/1.0\nContent-type: audio/mpeg\nAuthorization: Basic c291cmNlOmhhY2ttZQ==\n" +
        "User-Agent: DarkIce/1.3 (http://code.google.com/p/darkice/)\nice-bitrate: 128\nice-public: 0\nice-name: Morning Show\n" +
        "ice-description: Live from studio\nice-url: http://radio.example/\nice-genre: Talk\r\n\r\n";

    // DarkIce's first IceCast2 login (IceCast2::sendLogin, 2001): ICE/1.0, the password in ice-password, LF only
    private const string IceProtocol =
        "SOURCE /live ICE/1.0\nice-password: hackme\nice-bitrate: 128\nice-public: 1\nice-name: Morning Show\n" +
        "ice-description: Live from studio\nice-url: http://radio.example/\nice-genre: Talk\n\n";

    [Fact]
    public void FfmpegPut_ExpectsContinue_WithCredentialsAndIceHeaders_AndItsAudioIsNotInTheHead()
    {
        var request = Parse([.. Encoding.ASCII.GetBytes(FfmpegPut), .. s_id3Audio], FfmpegPut.Length);
        Assert.Equal(SourceMethod.Put, request.Method);
        Assert.Equal("/live", request.Path);
        Assert.Equal("HTTP/1.1", request.Protocol);
        Assert.True(request.ExpectContinue);
        Assert.Equal("source", request.User);
        Assert.Equal("hackme", request.Password);
        Assert.Equal("audio/mpeg", request.ContentType);
        Assert.Equal("Morning Show", request.Name);
        Assert.Equal("Live from studio", request.Description);
        Assert.Equal("Talk", request.Genre);
        Assert.Equal("http://radio.example/", request.Url);
        Assert.False(request.Public);
        Assert.Null(request.Bitrate);
        Assert.Null(request.AudioInfo);
        Assert.Equal("Lavf/59.27.100", request.UserAgent);
        Assert.Equal("1", request.Headers["icy-metadata"]);
        Assert.Equal("close", request.Headers["CONNECTION"]);
        Assert.False(request.Headers.ContainsKey("Content-Length"));
        Assert.False(request.Headers.ContainsKey("Transfer-Encoding"));
        Assert.Equal(13, request.Headers.Count);
    }

    [Fact]
    public void FfmpegLegacySource_IsHttp11WithoutExpect_Utf8NameAndAPasswordWithAColonAndAnUmlaut()
    {
        byte[] ogg = [0x4f, 0x67, 0x67, 0x53, 0x00, 0x02];
        var head = Encoding.UTF8.GetBytes(FfmpegLegacySource);
        var request = Parse([.. head, .. ogg], head.Length);
        Assert.Equal(SourceMethod.Source, request.Method);
        Assert.Equal("/live.ogg", request.Path);
        Assert.Equal("HTTP/1.1", request.Protocol);
        Assert.False(request.ExpectContinue);
        Assert.Equal("dj", request.User);
        Assert.Equal("p:\u00e4ss", request.Password);
        Assert.Equal("application/ogg", request.ContentType);
        Assert.Equal("Caf\u00e9 \u00dcn\u00efcode", request.Name);
        Assert.True(request.Public);
    }

    [Fact]
    public void LibshoutChallenge_WithoutAuthorization_IsASource_WithNoCredentials()
    {
        var request = Parse(Encoding.ASCII.GetBytes(LibshoutChallenge), LibshoutChallenge.Length);
        Assert.Equal(SourceMethod.Source, request.Method);
        Assert.Equal("HTTP/1.0", request.Protocol);
        Assert.Null(request.User);
        Assert.Null(request.Password);
        Assert.False(request.ExpectContinue);
        Assert.Equal("0", request.Headers["Content-Length"]);
        Assert.Equal("Keep-Alive", request.Headers["Connection"]);
        Assert.Equal("return=minimal", request.Headers["Prefer"]);
        Assert.Equal("Morning Show", request.Name);
        Assert.Equal("libshout/2.4.6", request.UserAgent);
        Assert.False(request.Public);
    }

    [Fact]
    public void LibshoutRetry_AsSourceOrAsPut_CarriesTheCredentials_AndThePutExpectsContinue()
    {
        var source = Parse([.. Encoding.ASCII.GetBytes(LibshoutSource), .. s_mp3Audio], LibshoutSource.Length);
        Assert.Equal((SourceMethod.Source, "HTTP/1.0", false), (source.Method, source.Protocol, source.ExpectContinue));
        Assert.Equal(("source", "hackme"), (source.User, source.Password));

        var putChallenge = Parse(Encoding.ASCII.GetBytes(LibshoutPutChallenge), LibshoutPutChallenge.Length);
        Assert.Equal((SourceMethod.Put, "HTTP/1.1", false), (putChallenge.Method, putChallenge.Protocol, putChallenge.ExpectContinue));
        Assert.Null(putChallenge.User);
        Assert.Equal("0", putChallenge.Headers["content-length"]);

        var put = Parse([.. Encoding.ASCII.GetBytes(LibshoutPut), .. s_mp3Audio], LibshoutPut.Length);
        Assert.Equal((SourceMethod.Put, "HTTP/1.1", true), (put.Method, put.Protocol, put.ExpectContinue));
        Assert.Equal(("source", "hackme"), (put.User, put.Password));
        Assert.Equal("audio/mpeg", put.ContentType);
    }

    [Fact]
    public void LibshoutOptionsProbe_IsNotASource()
    {
        Assert.Equal(SourceParse.NotASource, SourceRequest.TryParse(Encoding.ASCII.GetBytes(LibshoutOptions), out var request, out var reason));
        Assert.Null(request);
        Assert.Null(reason);
    }

    [Fact]
    public void Liquidsoap_SourcePutAndChunked_AreParsed_WithAudioInfoButNoBitrateHeader()
    {
        var source = Parse([.. Encoding.ASCII.GetBytes(LiquidsoapSource), .. s_mp3Audio], LiquidsoapSource.Length);
        Assert.Equal((SourceMethod.Source, "/live", "HTTP/1.0", false), (source.Method, source.Path, source.Protocol, source.ExpectContinue));
        Assert.Equal(("source", "hackme"), (source.User, source.Password));
        Assert.Equal("channels=2;samplerate=44100;bitrate=128", source.AudioInfo);
        Assert.Null(source.Bitrate); // Liquidsoap sends the bitrate only inside ice-audio-info
        Assert.True(source.Public);
        Assert.Equal("Liquidsoap/2.1.3 (Unix; OCaml 4.13.1)", source.UserAgent);
        Assert.False(source.Headers.ContainsKey("Host"));

        var put = Parse(Encoding.ASCII.GetBytes(LiquidsoapPut), LiquidsoapPut.Length);
        Assert.Equal((SourceMethod.Put, "HTTP/1.0", true), (put.Method, put.Protocol, put.ExpectContinue));

        byte[] firstChunk = [.. "2465\r\n"u8, 0xff, 0xfb, 0x90, 0x44];
        var chunked = Parse([.. Encoding.ASCII.GetBytes(LiquidsoapChunked), .. firstChunk], LiquidsoapChunked.Length);
        Assert.Equal((SourceMethod.Source, "HTTP/1.1"), (chunked.Method, chunked.Protocol));
        Assert.Equal("chunked", chunked.Headers["transfer-encoding"]);
        Assert.Equal("", chunked.Headers["Host"]);
    }

    [Fact]
    public void DarkIce_LfOnlyLines_ThenCrlfCrlf_AreParsed()
    {
        var request = Parse([.. Encoding.ASCII.GetBytes(DarkIce), .. s_mp3Audio], DarkIce.Length);
        Assert.Equal((SourceMethod.Source, "/live", "HTTP/1.0"), (request.Method, request.Path, request.Protocol));
        Assert.Equal("audio/mpeg", request.ContentType);
        Assert.Equal(("source", "hackme"), (request.User, request.Password));
        Assert.Equal(128, request.Bitrate);
        Assert.False(request.Public);
        Assert.Equal("Talk", request.Genre); // the line that ends in CRLF
        Assert.Equal("DarkIce/1.3 (http://code.google.com/p/darkice/)", request.UserAgent);
        Assert.Equal(9, request.Headers.Count);
    }

    [Fact]
    public void IceProtocol_LfLf_IsParsed_ItsPasswordIsAHeaderNotCredentials()
    {
        var request = Parse([.. Encoding.ASCII.GetBytes(IceProtocol), .. s_mp3Audio], IceProtocol.Length);
        Assert.Equal((SourceMethod.Source, "/live", "ICE/1.0"), (request.Method, request.Path, request.Protocol));
        Assert.Null(request.User);
        Assert.Null(request.Password);
        Assert.Equal("hackme", request.Headers["ice-password"]);
        Assert.Null(request.ContentType);
        Assert.Equal(128, request.Bitrate);
        Assert.True(request.Public);
        Assert.Equal("Morning Show", request.Name);
        Assert.Equal("http://radio.example/", request.Url);
    }

    [Fact]
    public void IcyTwins_AreRead_WhenTheIceHeadersAreMissing()
    {
        const string head = "SOURCE /live HTTP/1.0\r\nicy-name: Night Owl\r\nicy-description: Late talk\r\nicy-genre: Jazz\r\n" +
                            "icy-url: http://owl.example/\r\nicy-br: 64\r\nicy-pub: 1\r\n\r\n";
        var request = Parse(Encoding.ASCII.GetBytes(head), head.Length);
        Assert.Equal(("Night Owl", "Late talk", "Jazz", "http://owl.example/", 64, true),
            (request.Name, request.Description, request.Genre, request.Url, request.Bitrate, request.Public));
        Assert.Null(request.AudioInfo);
    }

    [Theory]
    [InlineData("ice-name: Ice\r\nicy-name: Icy\r\n")]
    [InlineData("icy-name: Icy\r\nICE-NAME: Ice\r\n")]
    [InlineData("ice-name:\r\nicy-name: Icy\r\nice-name: Ice\r\n")]
    public void IceHeader_WinsOverItsIcyTwin_InAnyOrder(string headers)
    {
        var head = $"PUT /live HTTP/1.1\r\n{headers}\r\n";
        Assert.Equal("Ice", Parse(Encoding.ASCII.GetBytes(head), head.Length).Name);
    }

    [Theory]
    [InlineData("ice-name:\r\nicy-name: Icy\r\n", "Icy")]
    [InlineData("ice-name: \t \r\n", null)]
    [InlineData("icy-name:\r\n", null)]
    [InlineData("", null)]
    public void EmptyIceHeader_FallsBackToItsTwin_AndEmptyMeansNone(string headers, string? name)
    {
        var head = $"PUT /live HTTP/1.1\r\n{headers}\r\n";
        Assert.Equal(name, Parse(Encoding.ASCII.GetBytes(head), head.Length).Name);
    }

    [Theory]
    [InlineData("audio/mpeg", "audio/mpeg")]
    [InlineData("Audio/MPEG; charset=UTF-8", "audio/mpeg")]
    [InlineData("application/ogg ; codecs=\"opus\"", "application/ogg")]
    [InlineData("audio/aacp;", "audio/aacp")]
    [InlineData("", null)]
    [InlineData("; charset=x", null)]
    public void ContentType_IsTheMediaTypeOnly_LowerCased(string value, string? mediaType)
    {
        var head = $"PUT /live HTTP/1.1\r\nContent-Type: {value}\r\n\r\n";
        Assert.Equal(mediaType, Parse(Encoding.ASCII.GetBytes(head), head.Length).ContentType);
    }

    [Theory]
    [InlineData("source:hackme", "source", "hackme")]
    [InlineData("dj:pa:ss:word", "dj", "pa:ss:word")]
    [InlineData("dj:", "dj", "")]
    [InlineData(":secret", "", "secret")]
    [InlineData("h\u00f6st:p\u00e4ss\u20ac\ud83c\udfb5", "h\u00f6st", "p\u00e4ss\u20ac\ud83c\udfb5")]
    public void BasicCredentials_SplitAtTheFirstColon_AndAreUtf8(string pair, string user, string password)
    {
        var token = Convert.ToBase64String(Encoding.UTF8.GetBytes(pair));
        foreach (var scheme in new[] { "Basic ", "basic ", "BASIC  " })
        {
            var head = $"SOURCE /live HTTP/1.0\r\nAuthorization: {scheme}{token}\r\n\r\n";
            var request = Parse(Encoding.ASCII.GetBytes(head), head.Length);
            Assert.Equal((user, password), (request.User, request.Password));
        }
    }

    [Theory]
    [InlineData("Basic !!!!!!!!")] // not base64
    [InlineData("Basic c291cmNlOmhhY2ttZQ")] // padding missing
    [InlineData("Basic c291cmNl")] // "source": no colon
    [InlineData("Basic c291 cmNlOmhhY2ttZQ==")] // a space inside
    [InlineData("Basic =c291cmNlOmhhY2ttZQ=")]
    [InlineData("Basic c291cmNlOmhhY2ttZQ==x")]
    [InlineData("Basic")]
    [InlineData("Basic ")]
    [InlineData("Basicc291cmNlOmhhY2ttZQ==")]
    [InlineData("Bearer c291cmNlOmhhY2ttZQ==")]
    [InlineData("Digest username=\"source\"")]
    [InlineData("Basic /zph")] // 0xff ':' 'a': not UTF-8
    public void UndecodableAuthorization_GivesNoCredentials_ButTheHeadIsStillASource(string authorization)
    {
        var head = $"SOURCE /live HTTP/1.0\r\nAuthorization: {authorization}\r\n\r\n";
        var request = Parse(Encoding.ASCII.GetBytes(head), head.Length);
        Assert.Null(request.User);
        Assert.Null(request.Password);
        Assert.Equal(authorization.TrimEnd(), request.Headers["Authorization"]);
    }

    [Theory]
    [InlineData("128", 128)]
    [InlineData("1", 1)]
    [InlineData("10000", 10000)]
    [InlineData("0096", 96)]
    [InlineData("0", null)]
    [InlineData("10001", null)]
    [InlineData("128kbps", null)]
    [InlineData("-64", null)]
    [InlineData("+64", null)]
    [InlineData("1 28", null)]
    [InlineData("99999999999", null)]
    [InlineData("", null)]
    public void Bitrate_IsAnIntegerFrom1To10000(string value, int? bitrate)
    {
        var head = $"SOURCE /live HTTP/1.0\r\nice-bitrate: {value}\r\n\r\n";
        Assert.Equal(bitrate, Parse(Encoding.ASCII.GetBytes(head), head.Length).Bitrate);
    }

    [Theory]
    [InlineData("1", true)]
    [InlineData("true", true)]
    [InlineData("TRUE", true)]
    [InlineData("0", false)]
    [InlineData("False", false)]
    [InlineData("yes", null)]
    [InlineData("2", null)]
    [InlineData("01", null)]
    [InlineData("", null)]
    public void Public_IsOneTrueZeroOrFalse(string value, bool? isPublic)
    {
        var head = $"SOURCE /live HTTP/1.0\r\nice-public: {value}\r\n\r\n";
        Assert.Equal(isPublic, Parse(Encoding.ASCII.GetBytes(head), head.Length).Public);
    }

    [Fact]
    public void Headers_AreCaseInsensitive_TheLastWins_ValuesTrimmed_AndUtf8Decoded()
    {
        var head = "PUT /live HTTP/1.1\r\nX-One: first\r\nx-one: \t second \t\r\nX-Two:no-space\r\nX-Tab:\tin\tside\t\r\n" +
                   "X-Empty:\r\nX-Bad-Utf8: a\u00ff\u00feb\r\nX-Utf8: \u4e2d\u6587\r\n\r\n";
        var bytes = Encoding.Latin1.GetBytes(head[..head.IndexOf("X-Utf8", StringComparison.Ordinal)])
            .Concat(Encoding.UTF8.GetBytes(head[head.IndexOf("X-Utf8", StringComparison.Ordinal)..])).ToArray();
        var request = Parse(bytes, bytes.Length);
        Assert.Equal("second", request.Headers["X-ONE"]);
        Assert.Equal("no-space", request.Headers["x-two"]);
        Assert.Equal("in\tside", request.Headers["X-Tab"]);
        Assert.Equal("", request.Headers["X-Empty"]);
        Assert.Equal("a\ufffd\ufffdb", request.Headers["X-Bad-Utf8"]);
        Assert.Equal("\u4e2d\u6587", request.Headers["X-Utf8"]);
        Assert.Equal(6, request.Headers.Count);
    }

    [Theory]
    [InlineData("Content-Length: 0")]
    [InlineData("Content-Length: 123456789")]
    [InlineData("Content-Length: abc")]
    [InlineData("Content-Length: 1\r\nContent-Length: 2")]
    public void ContentLength_IsNotLookedAt_AsIcecastIgnoresItForSources(string header)
    {
        var head = $"PUT /live HTTP/1.1\r\n{header}\r\n\r\n";
        Assert.Equal(header[(header.LastIndexOf(':') + 2)..], Parse(Encoding.ASCII.GetBytes(head), head.Length).Headers["content-length"]);
    }

    [Theory]
    [InlineData("Expect: 100-continue\r\n", true)]
    [InlineData("expect: 100-Continue\r\n", true)]
    [InlineData("EXPECT:100-CONTINUE \r\n", true)]
    [InlineData("Expect: 100-continue, x\r\n", false)]
    [InlineData("Expect: 200-ok\r\n", false)]
    [InlineData("Expect:\r\n", false)]
    [InlineData("", false)]
    public void ExpectContinue_Is100ContinueInAnyCase(string header, bool expect)
    {
        var head = $"PUT /live HTTP/1.1\r\n{header}\r\n";
        Assert.Equal(expect, Parse(Encoding.ASCII.GetBytes(head), head.Length).ExpectContinue);
    }

    [Theory]
    [InlineData("/live?mount=x&y", "/live")]
    [InlineData("/?", "/")]
    [InlineData("/", "/")]
    [InlineData("//live", "//live")]
    [InlineData("/a%20b", "/a%20b")]
    [InlineData("/radio/high.mp3", "/radio/high.mp3")]
    public void Path_IsTheTargetWithoutItsQuery(string target, string path)
    {
        var head = $"SOURCE {target} ICE/1.0\n\n";
        Assert.Equal(path, Parse(Encoding.ASCII.GetBytes(head), head.Length).Path);
    }

    [Fact]
    public void Path_NonAsciiBytes_AreDecodedAsUtf8()
    {
        var head = Encoding.UTF8.GetBytes("PUT /caf\u00e9 HTTP/1.1\r\n\r\n");
        Assert.Equal("/caf\u00e9", Parse(head, head.Length).Path);
    }

    [Theory]
    [InlineData("PUT /live HTTP/1.1\r\n\r\n")] // CRLF CRLF
    [InlineData("PUT /live HTTP/1.1\n\n")] // LF LF
    [InlineData("PUT /live HTTP/1.1\r\n\n")] // CRLF then LF
    [InlineData("PUT /live HTTP/1.1\n\r\n")] // LF then CRLF
    [InlineData("PUT /live HTTP/1.1\r\nA: 1\nB: 2\r\n\n")]
    [InlineData("PUT /live HTTP/1.1\nA: 1\r\nB: 2\n\r\n")]
    public void HeadEnd_IsTheFirstBlankLine_InAnyMixOfLineEnds_AndTheAudioAfterItIsNotLookedAt(string head)
    {
        // Audio that, read as more head, would be a line without a colon, a control character, a folded line.
        byte[] audio = [.. "\r\n\r\nGET / HTTP/1.1\r\n"u8, 0x00, 0x01, 0x0d, 0x0a, 0x20, 0x3a, 0x0a, 0x0a];
        var request = Parse([.. Encoding.ASCII.GetBytes(head), .. audio], head.Length);
        Assert.Equal("/live", request.Path);
        Assert.Equal(head.Count(c => c == ':'), request.Headers.Count);
    }

    [Theory]
    [InlineData("GET /live HTTP/1.1\r\n\r\n")]
    [InlineData("HEAD /live HTTP/1.1\r\n\r\n")]
    [InlineData("POST /live HTTP/1.1\r\nContent-Length: 0\r\n\r\n")]
    [InlineData("OPTIONS * HTTP/1.1\r\n\r\n")]
    [InlineData("GET /admin/metadata?mode=updinfo&mount=/live&song=x HTTP/1.0\r\nAuthorization: Basic c291cmNlOmhhY2ttZQ==\r\n\r\n")]
    [InlineData("put /live HTTP/1.1\r\n\r\n")]
    [InlineData("Put /live HTTP/1.1\r\n\r\n")]
    [InlineData("source /live HTTP/1.0\r\n\r\n")]
    [InlineData("PUTS /live HTTP/1.1\r\n\r\n")]
    [InlineData("SOURCES /live HTTP/1.0\r\n\r\n")]
    [InlineData("PU")]
    [InlineData(" PUT /live HTTP/1.1\r\n\r\n")]
    [InlineData("\r\nPUT /live HTTP/1.1\r\n\r\n")]
    [InlineData("hackme\r\nicy-name: x\r\n\r\n")] // SHOUTcast v1's password line
    [InlineData("")]
    public void OtherMethods_AreNotASource(string text)
    {
        Assert.Equal(SourceParse.NotASource, SourceRequest.TryParse(Encoding.ASCII.GetBytes(text), out var request, out var reason));
        Assert.Null(request);
        Assert.Null(reason);
    }

    [Theory]
    [InlineData("PUT /live HTTP/1.1\r\nHost: x\r\n", "no end of the request head within 16384 bytes")]
    [InlineData("PUT", "no end of the request head within 16384 bytes")]
    [InlineData("SOURCE /live HTTP/1.0\n", "no end of the request head within 16384 bytes")]
    [InlineData("PUT\r\n\r\n", "bad request line")]
    [InlineData("PUT /live\r\n\r\n", "bad request line")]
    [InlineData("PUT  /live HTTP/1.1\r\n\r\n", "bad request line")]
    [InlineData("PUT /live  HTTP/1.1\r\n\r\n", "bad request line")]
    [InlineData("PUT /live HTTP/1.1 \r\n\r\n", "bad request line")]
    [InlineData("PUT\t/live HTTP/1.1\r\n\r\n", "bad request line")]
    [InlineData("PUT /live HTTP/1.1 x\r\n\r\n", "bad request line")]
    [InlineData("PUT /live HTTP/1.\u00011\r\n\r\n", "bad request line")]
    [InlineData("PUT live HTTP/1.1\r\n\r\n", "the request target must be a path starting with '/'")]
    [InlineData("PUT * HTTP/1.1\r\n\r\n", "the request target must be a path starting with '/'")]
    [InlineData("SOURCE hackme /live\n\n", "the request target must be a path starting with '/'")] // libshout's xaudiocast
    [InlineData("PUT /li\u0001ve HTTP/1.1\r\n\r\n", "bad request target")]
    [InlineData("PUT /li\u007fve HTTP/1.1\r\n\r\n", "bad request target")]
    [InlineData("PUT /li\rve HTTP/1.1\r\n\r\n", "bad request target")]
    [InlineData("PUT /live HTTP/2.0\r\n\r\n", "unknown protocol (HTTP/1.1, HTTP/1.0 or ICE/1.0)")]
    [InlineData("PUT /live http/1.1\r\n\r\n", "unknown protocol (HTTP/1.1, HTTP/1.0 or ICE/1.0)")]
    [InlineData("SOURCE /live ICE/1.1\r\n\r\n", "unknown protocol (HTTP/1.1, HTTP/1.0 or ICE/1.0)")]
    [InlineData("PUT /live HTTP/1.1\r\nHost\r\n\r\n", "header line without a colon")]
    [InlineData("PUT /live HTTP/1.1\r\nHost: x\r\ngarbage\r\n\r\n", "header line without a colon")]
    [InlineData("PUT /live HTTP/1.1\r\nHost : x\r\n\r\n", "header name is not a token")]
    [InlineData("PUT /live HTTP/1.1\r\n: x\r\n\r\n", "header name is not a token")]
    [InlineData("PUT /live HTTP/1.1\r\nX(y): x\r\n\r\n", "header name is not a token")]
    [InlineData("PUT /live HTTP/1.1\r\nH\u00e9: x\r\n\r\n", "header name is not a token")]
    [InlineData("PUT /live HTTP/1.1\r\nice-name: a\u0000b\r\n\r\n", "control character in a header value")]
    [InlineData("PUT /live HTTP/1.1\r\nice-name: a\u007fb\r\n\r\n", "control character in a header value")]
    [InlineData("PUT /live HTTP/1.1\r\nice-name: a\rb\r\n\r\n", "control character in a header value")]
    [InlineData("PUT /live HTTP/1.1\r\nice-name: ab\r\r\n\r\n", "control character in a header value")]
    [InlineData("PUT /live HTTP/1.1\r\nice-name: a\u001bb\r\n\r\n", "control character in a header value")]
    [InlineData("PUT /live HTTP/1.1\r\nice-name: a\r\n b\r\n\r\n", "folded header line")]
    [InlineData("SOURCE /live HTTP/1.0\nice-name: a\n\tb\n\n", "folded header line")]
    public void MalformedSource_IsBad_WithItsReason(string text, string expected)
    {
        AssertBad(Encoding.Latin1.GetBytes(text), expected);
    }

    [Fact]
    public void Target_OfUpTo1024Bytes_IsAccepted_AndLongerIsBad()
    {
        var longest = "/" + new string('a', SourceRequest.MaxTarget - 1);
        var head = $"PUT {longest} HTTP/1.1\r\n\r\n";
        Assert.Equal(longest, Parse(Encoding.ASCII.GetBytes(head), head.Length).Path);
        AssertBad(Encoding.ASCII.GetBytes($"PUT {longest}a HTTP/1.1\r\n\r\n"), "request target longer than 1024 bytes");
        AssertBad(Encoding.ASCII.GetBytes($"PUT {longest[..^1]}?q HTTP/1.1\r\n\r\n"), "request target longer than 1024 bytes"); // the query counts
    }

    [Fact]
    public void Headers_UpTo100_AreAccepted_AndMoreIsBad()
    {
        string Head(int n) => $"PUT /live HTTP/1.1\r\n{string.Concat(Enumerable.Range(0, n).Select(i => $"X-{i}: {i}\r\n"))}\r\n";
        var hundred = Head(SourceRequest.MaxHeaders);
        Assert.Equal(SourceRequest.MaxHeaders, Parse(Encoding.ASCII.GetBytes(hundred), hundred.Length).Headers.Count);
        AssertBad(Encoding.ASCII.GetBytes(Head(SourceRequest.MaxHeaders + 1)), "too many headers (more than 100)");
        // The same header sent 101 times is 101 lines too.
        var repeated = $"PUT /live HTTP/1.1\r\n{string.Concat(Enumerable.Repeat("X: 1\r\n", SourceRequest.MaxHeaders + 1))}\r\n";
        AssertBad(Encoding.ASCII.GetBytes(repeated), "too many headers (more than 100)");
    }

    [Fact]
    public void Head_EndingExactlyAtMaxHead_IsASource_OneByteMoreIsBad_AndTheRestOfTheBytesAreNotRead()
    {
        string Head(int length)
        {
            var start = "PUT /live HTTP/1.1\r\nX-Pad: ";
            return start + new string('p', length - start.Length - 4) + "\r\n\r\n";
        }
        var exact = Encoding.ASCII.GetBytes(Head(SourceRequest.MaxHead));
        Assert.Equal(SourceRequest.MaxHead, Parse([.. exact, .. s_mp3Audio], SourceRequest.MaxHead).HeadLength);
        AssertBad([.. Encoding.ASCII.GetBytes(Head(SourceRequest.MaxHead + 1)), .. s_mp3Audio], "no end of the request head within 16384 bytes");
        // A blank line only after MaxHead bytes is not looked for.
        AssertBad([.. exact[..^2], (byte)'x', .. "\r\n\r\n"u8], "no end of the request head within 16384 bytes");
    }

    [Fact]
    public void Reasons_AreShortPrintableAscii()
    {
        var bad = new[] { "PUT", "PUT\r\n\r\n", "PUT x HTTP/1.1\r\n\r\n", "PUT /\u0001 HTTP/1.1\r\n\r\n", "PUT / X\r\n\r\n", "PUT / ICE/1.0\nx\n\n",
                          "PUT / ICE/1.0\n:x\n\n", "PUT / ICE/1.0\nx:\u0000\n\n", "PUT / ICE/1.0\nx:1\n 2\n\n" };
        var reasons = bad.Select(text =>
        {
            Assert.Equal(SourceParse.Bad, SourceRequest.TryParse(Encoding.Latin1.GetBytes(text), out _, out var reason));
            return reason!;
        }).ToList();
        Assert.All(reasons, r => Assert.True(r.Length is > 0 and <= 80 && r.All(c => c is >= ' ' and <= '~'), r));
        Assert.Equal(reasons.Count, reasons.Distinct().Count()); // each fault its own reason
    }

    private static SourceRequest Parse(byte[] bytes, int headLength)
    {
        var result = SourceRequest.TryParse(bytes, out var request, out var reason);
        Assert.True(result == SourceParse.Source, $"{result}: {reason}");
        Assert.Null(reason);
        Assert.NotNull(request);
        Assert.Equal(headLength, request.HeadLength);
        return request;
    }

    private static void AssertBad(byte[] bytes, string expected)
    {
        Assert.Equal(SourceParse.Bad, SourceRequest.TryParse(bytes, out var request, out var reason));
        Assert.Null(request);
        Assert.Equal(expected, reason);
    }
}
