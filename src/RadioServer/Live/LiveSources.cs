using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using RadioServer.Audio;
using RadioServer.Library;
using RadioServer.Station;
using RadioServer.Streaming.Connections;

namespace RadioServer.Live;

/// <summary>
/// Live source clients on the station's own port, answered from the accept loop as Icecast answers them: a PUT or
/// SOURCE of <see cref="LiveOptions.MountPath"/> (or of the listener mount) is authenticated (Basic, user
/// <c>source</c>), answered (100 Continue when asked, then 200) and read by a <see cref="LiveSource"/>, whose decoded
/// audio goes through the <see cref="LiveBuffer"/> to the air chain (<see cref="ILiveFeed"/>). One source at a time;
/// a second is refused and the first stays on air.
/// </summary>
internal sealed partial class LiveSources : IDirectConnectionHandler, ILiveFeed
{
    private static readonly byte[] s_unauthorized = ConnectionAnswer.Of("401 Unauthorized", null, "Authentication required.", "WWW-Authenticate: Basic realm=\"RadioServer\"\r\nAllow: GET, HEAD, PUT, SOURCE, OPTIONS\r\n");
    private static readonly byte[] s_inUse = ConnectionAnswer.Of("403 Forbidden", null, "Mountpoint in use.");
    private static readonly byte[] s_contentType = ConnectionAnswer.Of("403 Forbidden", null, $"Content-type not supported. Send {LiveDecoders.Supported}; AAC is not decoded here.");
    private static readonly byte[] s_continue = Encoding.ASCII.GetBytes("HTTP/1.1 100 Continue\r\n\r\n");

    private readonly byte[] _liveMount;
    private readonly byte[] _listenerMount;
    private readonly byte[]? _masterHash;
    private readonly LiveOptions _options;
    private readonly RadioOptions _radio;
    private readonly DescriptorBudget _budget;
    private readonly TimeProvider _time;
    private readonly ILogger<LiveSources> _logger;
    private readonly LiveBuffer _buffer = new();
    private LiveSource? _current;
    private TrackInfo _title;
    private long _connects;
    private long _refused;

    public LiveSources(IOptions<LiveOptions> options, IOptions<RadioOptions> radio, DescriptorBudget budget, TimeProvider time, ILogger<LiveSources> logger)
    {
        _options = options.Value;
        _radio = radio.Value;
        _budget = budget;
        _time = time;
        _logger = logger;
        _liveMount = Encoding.ASCII.GetBytes(_options.MountPath);
        _listenerMount = Encoding.ASCII.GetBytes(_radio.MountPath);
        _masterHash = string.IsNullOrEmpty(_options.MasterPassword) ? null : SHA256.HashData(Encoding.UTF8.GetBytes(_options.MasterPassword));
        _title = LiveTitle(null);
    }

    public bool Ready => Volatile.Read(ref _current) is not null && _buffer.Ready;

    public TrackInfo Title => Volatile.Read(ref _title);

    public TimeSpan Grace => TimeSpan.FromSeconds(_options.GraceSeconds);

    /// <summary>The source connected now, if any.</summary>
    public LiveSource? Current => Volatile.Read(ref _current);

    public LiveBuffer Buffer => _buffer;

    /// <summary>Sources accepted since the start.</summary>
    public long Connects => Interlocked.Read(ref _connects);

    /// <summary>Sources refused (wrong credentials, mount in use, format) since the start.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    public int Read(Span<float> samples) => _buffer.Read(samples);

    public bool TryClaim(Socket socket, ReadOnlySpan<byte> received)
    {
        if (SourceRequest.TryParse(received, out var request, out var reason) is var parse && parse == SourceParse.NotASource)
        {
            return false;
        }
        if (parse == SourceParse.Source && !IsMount(request!.Path))
        {
            return false; // a PUT of something else (the schedule API): Kestrel's
        }
        var address = (socket.RemoteEndPoint as IPEndPoint)?.Address;
        var head = parse == SourceParse.Source ? request!.HeadLength : received.Length;
        if (!ConnectionAnswer.Consume(socket, head))
        {
            Close(socket);
            return true;
        }
        if (parse == SourceParse.Bad)
        {
            Refuse(socket, ConnectionAnswer.Of("400 Bad Request", null, reason ?? "Bad request."), address, "bad request: " + reason);
            return true;
        }
        if (request!.Headers.TryGetValue("Transfer-Encoding", out var encoding) && !encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
        {
            Refuse(socket, ConnectionAnswer.Of("400 Bad Request", null, "Transfer-Encoding is not supported: send the audio as the body until the connection ends."), address, "transfer encoding " + encoding);
            return true;
        }
        if (!Authenticated(request))
        {
            // The same answer, in the same time, for no credentials (libshout's first try), a wrong user or a wrong password.
            Refuse(socket, s_unauthorized, address, request!.User is null ? "no credentials" : "wrong credentials");
            return true;
        }
        if (LiveDecoders.For(request!.ContentType) is not { } decoder)
        {
            Refuse(socket, s_contentType, address, $"content type {request.ContentType}");
            return true;
        }
        var source = new LiveSource(this, socket, address, request, decoder, _time, TimeSpan.FromSeconds(_options.SourceTimeoutSeconds), _logger);
        if (Interlocked.CompareExchange(ref _current, source, null) is not null)
        {
            Refuse(socket, s_inUse, address, "the mount is in use");
            return true;
        }
        _buffer.Clear();
        Volatile.Write(ref _title, LiveTitle(request.Name));
        Interlocked.Increment(ref _connects);
        // As Icecast: 100 Continue when asked (ffmpeg and libshout wait for it before the audio), then 200.
        var ok = Encoding.ASCII.GetBytes($"{(request.Protocol == "HTTP/1.1" ? "HTTP/1.1" : "HTTP/1.0")} 200 OK\r\nServer: RadioServer\r\nConnection: close\r\n\r\n");
        ok = request.ExpectContinue ? [.. s_continue, .. ok] : ok;
        Log.SourceConnected(_logger, address, request.Path, request.UserAgent ?? "", request.Name ?? "");
        _ = Task.Run(() => source.RunAsync(ok)); // never on the accepting thread: a source that keeps sending would keep it
        return true;
    }

    /// <summary>Called by the source's task when it ends: the mount is free, what it buffered still plays out.</summary>
    internal void Ended(LiveSource source, string reason)
    {
        Interlocked.CompareExchange(ref _current, null, source);
        Log.SourceEnded(_logger, source.Address, reason, source.BytesRead, source.Decoder.Frames, source.Decoder.Codec);
        Close(source.Socket);
    }

    /// <summary>A title from the source: its <c>ice-name</c> at first, then what <c>updinfo</c> sends.</summary>
    internal void SetTitle(string? title)
    {
        Volatile.Write(ref _title, LiveTitle(title));
        Log.TitleUpdated(_logger, _title.Title);
    }

    private TrackInfo LiveTitle(string? name)
    {
        var title = string.IsNullOrWhiteSpace(name) ? "Live" : name.Trim();
        return new TrackInfo("live:" + _options.MountPath, _options.MountPath, "", title, null, TimeSpan.Zero);
    }

    private bool IsMount(string path)
    {
        // DarkIce writes "SOURCE /" + its mount setting, so "/live" in its config arrives as "//live".
        path = "/" + path.TrimStart('/');
        var bytes = Encoding.UTF8.GetBytes(path);
        return bytes.AsSpan().SequenceEqual(_liveMount) || bytes.AsSpan().SequenceEqual(_listenerMount);
    }

    // ICE/1.0 clients (old DarkIce) send the password as ice-password, for user source, as Icecast takes it.
    private bool Authenticated(SourceRequest request) => request.User is null && request.Headers.TryGetValue("ice-password", out var icePassword)
        ? Authenticated("source", icePassword)
        : Authenticated(request.User, request.Password);

    /// <summary>The master source's credentials (user <c>source</c>); the same work and time for every wrong answer.</summary>
    internal bool Authenticated(string? user, string? password)
    {
        // Hash both sides and compare in constant time: no timing tells how much of a password was right.
        var given = SHA256.HashData(Encoding.UTF8.GetBytes(password ?? ""));
        var expected = _masterHash ?? SHA256.HashData(RandomNumberGenerator.GetBytes(16));
        var passwordOk = CryptographicOperations.FixedTimeEquals(given, expected);
        return _masterHash is not null && user == "source" & passwordOk;
    }

    /// <summary>Whether <paramref name="mount"/> is where sources connect (the live mount or the listener mount).</summary>
    internal bool IsSourceMount(string mount) => IsMount(mount);

    private void Refuse(Socket socket, byte[] answer, IPAddress? address, string why)
    {
        Interlocked.Increment(ref _refused);
        Log.SourceRefused(_logger, address, why);
        ConnectionAnswer.Send(socket, answer); // closes it
        _budget.Release();
    }

    private void Close(Socket socket)
    {
        socket.Dispose();
        _budget.Release();
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Live source connected from {Address} to {Mount} ({UserAgent}, \"{Name}\").", EventName = "SourceConnected")]
        public static partial void SourceConnected(ILogger logger, IPAddress? address, string mount, string userAgent, string name);

        [LoggerMessage(2, LogLevel.Information, "Live source from {Address} ended: {Reason} ({Bytes} bytes, {Frames} {Codec} frames).", EventName = "SourceEnded")]
        public static partial void SourceEnded(ILogger logger, IPAddress? address, string reason, long bytes, long frames, string codec);

        [LoggerMessage(4, LogLevel.Information, "Live title: {Title}.", EventName = "LiveTitleUpdated")]
        public static partial void TitleUpdated(ILogger logger, string title);

        [LoggerMessage(3, LogLevel.Warning, "Live source from {Address} refused: {Reason}.", EventName = "SourceRefused")]
        public static partial void SourceRefused(ILogger logger, IPAddress? address, string reason);
    }
}
