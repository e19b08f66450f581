using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Unicode;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using RadioServer.Interop;
using RadioServer.Station;
using RadioServer.Streaming.Connections;

namespace RadioServer.Live;

/// <summary>
/// SHOUTcast v1 source clients, on a port of their own (<see cref="LiveOptions.ShoutcastPort"/>, by default the
/// station's + 1) when <see cref="LiveOptions.Shoutcast"/> is on. The protocol, as SHOUTcast's DNAS 1.x and Icecast's
/// shoutcast-compat listener speak it: the client sends its password line (<c>password</c>, <c>user:password</c> or
/// <c>password:#sid</c>; CRLF or LF), the server answers <c>OK2\r\nicy-caps:11\r\n\r\n</c> (or <c>invalid password</c>
/// and closes), the client sends <c>icy-name:</c>, <c>icy-genre:</c>, <c>icy-url:</c>, <c>icy-pub:</c>, <c>icy-br:</c>,
/// <c>content-type:</c> lines up to a blank one, then the audio until it hangs up. Many clients send it all at once
/// without waiting for the answer; the head is read a line at a time (peeked, then taken out of the socket), so the
/// audio after it stays in the socket for the <see cref="LiveSource"/>. Who may connect and what is heard is
/// <see cref="LiveSources"/>' decision, the same as for PUT/SOURCE on the station's port; this class only speaks the
/// protocol. Each connection takes its place in the <see cref="DescriptorBudget"/>; its head may be
/// <see cref="SourceRequest.MaxHead"/> long and take <see cref="RadioOptions.RequestHeadTimeoutSeconds"/> to arrive
/// (counted again from the OK2, which the client may have waited for).
/// </summary>
internal sealed partial class ShoutcastSources : IHostedLifecycleService, IDisposable
{
    // Icecast's answer, byte for byte (connection_handle.c): clients look for "OK" at the start.
    private static readonly byte[] s_ok = "OK2\r\nicy-caps:11\r\n\r\n"u8.ToArray();
    private static readonly byte[] s_invalidPassword = "invalid password\r\n"u8.ToArray(); // DarkIce reports this one as "wrong password"
    private static readonly byte[] s_full = "Server full: too many connections; try again later.\r\n"u8.ToArray();

    private readonly LiveSources _live;
    private readonly IServer _server;
    private readonly LiveOptions _options;
    private readonly DescriptorBudget _budget;
    private readonly TimeProvider _time;
    private readonly ILogger<ShoutcastSources> _logger;
    private readonly TimeSpan _headTimeout;
    private readonly int _perAddressLimit;
    private readonly ConcurrentDictionary<IPAddress, int> _inHead = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Socket> _listening = [];
    private long _timedOut;

    public ShoutcastSources(LiveSources live, IServer server, IOptions<LiveOptions> options, IOptions<RadioOptions> radio, DescriptorBudget budget, TimeProvider time, ILogger<ShoutcastSources> logger)
    {
        _live = live;
        _server = server;
        _options = options.Value;
        _budget = budget;
        _time = time;
        _logger = logger;
        _headTimeout = TimeSpan.FromSeconds(radio.Value.RequestHeadTimeoutSeconds);
        _perAddressLimit = radio.Value.MaxWaitingPerAddress;
    }

    /// <summary>Where SHOUTcast v1 clients may connect now (the actual ports, also when 0 was asked for); none when off.</summary>
    public IReadOnlyList<IPEndPoint> EndPoints { get; private set; } = [];

    /// <summary>Connections closed for not sending their whole head in time, since the start.</summary>
    public long TimedOut => Interlocked.Read(ref _timedOut);

    Task IHostedLifecycleService.StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    Task IHostedService.StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>After every hosted service started, so the server is bound and its own port known: binds, or fails the start.</summary>
    Task IHostedLifecycleService.StartedAsync(CancellationToken cancellationToken)
    {
        if (!_options.Shoutcast)
        {
            return Task.CompletedTask;
        }
        if (!Libc.IsSupported)
        {
            throw new PlatformNotSupportedException("Radio:Live:Shoutcast needs Linux (its connections are read and answered as the station's accept loop's are).");
        }
        var addresses = _server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var endpoints = ListenEndPoints(addresses, _options.ShoutcastPort);
        if (endpoints.Count == 0)
        {
            throw new InvalidOperationException($"Radio:Live:Shoutcast is on, but the station has no plain http:// address to take the SHOUTcast port's addresses from (it listens on {string.Join(", ", addresses)}).");
        }
        var bound = new List<IPEndPoint>();
        foreach (var endpoint in endpoints)
        {
            var listen = Bind(endpoint);
            _listening.Add(listen);
            bound.Add((IPEndPoint)listen.LocalEndPoint!);
        }
        EndPoints = bound;
        foreach (var listen in _listening)
        {
            Log.Listening(_logger, listen.LocalEndPoint!);
            _ = AcceptLoopAsync(listen);
        }
        return Task.CompletedTask;
    }

    Task IHostedLifecycleService.StoppingAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    Task IHostedService.StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    Task IHostedLifecycleService.StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Stops accepting and ends the heads still being read; accepted sources are <see cref="LiveSources"/>' own.</summary>
    public void Dispose()
    {
        try
        {
            _stopping.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
        foreach (var listen in _listening)
        {
            listen.Dispose();
        }
    }

    /// <summary>
    /// The station's plain-HTTP addresses (as the server reports them once bound), each with the SHOUTcast port:
    /// <paramref name="port"/>, else that address's port + 1. <c>localhost</c> is both loopbacks (as Kestrel binds it), a
    /// host name or a wildcard is every address.
    /// </summary>
    internal static List<IPEndPoint> ListenEndPoints(IEnumerable<string> serverAddresses, int? port)
    {
        var endpoints = new List<IPEndPoint>();
        foreach (var text in serverAddresses)
        {
            BindingAddress address;
            try
            {
                address = BindingAddress.Parse(text);
            }
            catch (FormatException)
            {
                continue;
            }
            if (!string.Equals(address.Scheme, "http", StringComparison.OrdinalIgnoreCase) || address.IsUnixPipe || address.IsNamedPipe)
            {
                continue; // TLS is no part of SHOUTcast v1
            }
            var number = port ?? address.Port + 1;
            if (number is < 0 or > IPEndPoint.MaxPort)
            {
                throw new InvalidOperationException($"The station listens on port {address.Port}: its SHOUTcast port would be {number}. Set Radio:Live:ShoutcastPort.");
            }
            var host = address.Host.Trim('[', ']');
            IPAddress[] ips = string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
                ? Socket.OSSupportsIPv6 ? [IPAddress.Loopback, IPAddress.IPv6Loopback] : [IPAddress.Loopback]
                : IPAddress.TryParse(host, out var ip) ? [ip]
                : [Socket.OSSupportsIPv6 ? IPAddress.IPv6Any : IPAddress.Any];
            foreach (var one in ips)
            {
                var endpoint = new IPEndPoint(one, number);
                if (!endpoints.Contains(endpoint))
                {
                    endpoints.Add(endpoint);
                }
            }
        }
        return endpoints;
    }

    private static Socket Bind(IPEndPoint endpoint)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endpoint.Address.Equals(IPAddress.IPv6Any))
            {
                socket.DualMode = true; // as Kestrel binds [::]: IPv4 clients too
            }
            socket.Bind(endpoint);
            socket.Listen(64); // source clients are few; a reconnecting one waits a moment at worst
            return socket;
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw new InvalidOperationException($"Cannot listen for SHOUTcast v1 source clients on {endpoint} ({ex.SocketErrorCode}): set Radio:Live:ShoutcastPort to a free port, or Radio:Live:Shoutcast=false.", ex);
        }
    }

    private async Task AcceptLoopAsync(Socket listen)
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listen.AcceptAsync(_stopping.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException ||
                ex is SocketException { SocketErrorCode: SocketError.OperationAborted or SocketError.Interrupted })
            {
                return;
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.TooManyOpenSockets)
            {
                // Out of descriptors: nothing to answer with; the queue waits for a connection to close.
                _budget.CountRefused();
                await DelayAsync(TimeSpan.FromMilliseconds(100));
                continue;
            }
            catch (SocketException)
            {
                continue; // reset before it was accepted
            }
            try
            {
                Take(socket);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // This connection's failure alone: the loop goes on accepting.
                Log.HandshakeFailed(_logger, null, ex);
                socket.Dispose();
            }
        }
    }

    private async Task DelayAsync(TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, _time, _stopping.Token);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>A new connection: its place in the budget and among its address' heads, then its head read off this loop.</summary>
    private void Take(Socket socket)
    {
        socket.NoDelay = true;
        if (!_budget.TryTake())
        {
            _budget.CountRefused();
            Log.Full(_logger, Address(socket));
            ConnectionAnswer.Send(socket, s_full);
            return;
        }
        var address = Address(socket);
        var key = address ?? IPAddress.None;
        if (_inHead.AddOrUpdate(key, 1, (_, n) => n + 1) > _perAddressLimit)
        {
            Leave(key);
            Log.TooManyFromAddress(_logger, address, _perAddressLimit);
            Answer(socket, Encoding.ASCII.GetBytes($"Too many connections from this address are still sending their head (at most {_perAddressLimit}).\r\n"));
            return;
        }
        // Never on the accepting thread: the password check is slow on purpose.
        _ = Task.Run(() => RunAsync(socket, address, key));
    }

    private static IPAddress? Address(Socket socket)
    {
        try
        {
            var address = (socket.RemoteEndPoint as IPEndPoint)?.Address;
            return address is { IsIPv4MappedToIPv6: true } ? address.MapToIPv4() : address; // one form per client, as in the log
        }
        catch (SocketException)
        {
            return null; // reset already: its first read ends it
        }
    }

    private void Leave(IPAddress key)
    {
        if (_inHead.AddOrUpdate(key, 0, (_, n) => n - 1) <= 0)
        {
            _inHead.TryRemove(new KeyValuePair<IPAddress, int>(key, 0));
        }
    }

    /// <summary>One connection: its head, then (admitted) its source, which is <see cref="LiveSources"/>' from then on.</summary>
    private async Task RunAsync(Socket socket, IPAddress? address, IPAddress key)
    {
        (LiveSource Source, byte[] Accepted)? admitted = null;
        try
        {
            admitted = await HandshakeAsync(socket, address);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.HandshakeFailed(_logger, address, ex);
            Close(socket);
        }
        finally
        {
            Leave(key);
        }
        if (admitted is { } source)
        {
            await source.Source.RunAsync(source.Accepted);
        }
    }

    /// <summary>
    /// Reads the head and has it admitted: the source and what it still has to be sent (OK2, unless sent already), or
    /// null when the connection was answered and closed (its place released).
    /// </summary>
    private async Task<(LiveSource, byte[])?> HandshakeAsync(Socket socket, IPAddress? address)
    {
        using var deadline = new CancellationTokenSource(_headTimeout, _time); // on the station's clock: tests step it
        using var either = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, _stopping.Token);
        var head = new HeadReader(socket);
        var answered = false;
        try
        {
            var first = await head.ReadLineAsync(null, either.Token);
            if (first is null)
            {
                Refuse(socket, address, "bad", "a password line longer than the head may be", $"The head may be at most {SourceRequest.MaxHead} bytes.");
                return null;
            }
            var line = Text(first);
            if (line.StartsWith("SOURCE ", StringComparison.Ordinal))
            {
                // DarkIce with a mount point set: "SOURCE password", then " /mount", then (after OK) its icy- lines.
                line = line["SOURCE ".Length..];
                if (await head.ReadLineAsync(null, either.Token) is null)
                {
                    Refuse(socket, address, "bad", "a mount line longer than the head may be", $"The head may be at most {SourceRequest.MaxHead} bytes.");
                    return null;
                }
            }
            var (user, password) = Credentials(line);
            var clearance = await _live.ClearAsync(user, password, address);
            if (clearance.Refusal is { } refused)
            {
                Answer(socket, refused.Kind == "credentials" ? s_invalidPassword : Line(refused.Message));
                return null;
            }

            // Clients that wait for the answer before their icy- lines get it as soon as nothing more has come.
            async Task AnswerBeforeWaitingAsync()
            {
                if (!answered)
                {
                    answered = true;
                    await socket.SendAsync(s_ok, SocketFlags.None, either.Token);
                    deadline.CancelAfter(_headTimeout);
                }
            }
            var lines = new List<byte[]>();
            while (true)
            {
                var header = await head.ReadLineAsync(AnswerBeforeWaitingAsync, either.Token);
                if (header is null)
                {
                    Refuse(socket, address, "bad", "no end of the head", $"No blank line ended the head within {SourceRequest.MaxHead} bytes.");
                    return null;
                }
                if (header.Length == 0)
                {
                    break;
                }
                lines.Add(header);
            }
            if (!TryRequest(lines, head.Length, user, out var request, out var reason))
            {
                Refuse(socket, address, "bad", "bad head: " + reason, "Bad head: " + reason + ".");
                return null;
            }
            var admission = _live.Admit(clearance, socket, address, request);
            if (admission.Source is not { } source)
            {
                Answer(socket, Line(admission.Refusal!.Message));
                return null;
            }
            return (source, answered ? [] : s_ok);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !_stopping.IsCancellationRequested)
        {
            Interlocked.Increment(ref _timedOut);
            Log.HeadTimedOut(_logger, address, _headTimeout.TotalSeconds, head.Length);
            // A silent connection is closed without a word; one that sent part of a head hears why.
            if (head.Length > 0)
            {
                Answer(socket, Line($"The head did not arrive within {_headTimeout.TotalSeconds:0} s."));
            }
            else
            {
                Close(socket);
            }
            return null;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException or EndOfStreamException)
        {
            Close(socket); // the client hung up (or the station is stopping) before its head ended
            return null;
        }
    }

    /// <summary>
    /// The password line: <c>user:password</c> (a host's account, or <c>source:</c> and the master password), else the
    /// master password alone; <c>:#sid</c> at the end (SHOUTcast 2's stream id for v1 clients) is dropped — there is one stream.
    /// A master password with a colon in it must be sent as <c>source:password</c>.
    /// </summary>
    internal static (string User, string Password) Credentials(string line)
    {
        var sid = line.LastIndexOf(":#", StringComparison.Ordinal);
        if (sid >= 0 && line.Length > sid + 2 && !line.AsSpan(sid + 2).ContainsAnyExceptInRange('0', '9'))
        {
            line = line[..sid];
        }
        var colon = line.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? ("source", line) : (line[..colon], line[(colon + 1)..]);
    }

    /// <summary>
    /// The icy- lines as the <see cref="SourceRequest"/> a SOURCE of the live mount would make (so status, titles and
    /// the decoder's choice see the same fields, and header lines are checked by the same rules), as Icecast turns a
    /// SHOUTcast head into "SOURCE mount HTTP/1.0" and its lines. No content-type: audio/mpeg, as SHOUTcast assumes.
    /// </summary>
    private bool TryRequest(List<byte[]> lines, int headLength, string user, out SourceRequest request, out string reason)
    {
        var http = new List<byte>(headLength + 64);
        http.AddRange(Encoding.ASCII.GetBytes($"SOURCE {_options.MountPath} HTTP/1.0\r\n"));
        foreach (var line in lines)
        {
            http.AddRange(Utf8.IsValid(line) ? line : Encoding.UTF8.GetBytes(Encoding.Latin1.GetString(line))); // as Text
            http.AddRange("\r\n"u8);
        }
        http.AddRange("\r\n"u8);
        if (SourceRequest.TryParse(http.ToArray(), out var parsed, out var why) != SourceParse.Source)
        {
            request = null!;
            reason = why ?? "bad head";
            return false;
        }
        request = parsed! with { Protocol = "ICY", HeadLength = headLength, User = user, ContentType = parsed!.ContentType ?? "audio/mpeg" };
        reason = "";
        return true;
    }

    /// <summary>A line as text: UTF-8 when it is, else Latin-1 (Windows clients of the time, Winamp's DSP).</summary>
    private static string Text(byte[] line) => Utf8.IsValid(line) ? Encoding.UTF8.GetString(line) : Encoding.Latin1.GetString(line);

    private static byte[] Line(string message) => Encoding.UTF8.GetBytes(message.ReplaceLineEndings(" ") + "\r\n");

    private void Refuse(Socket socket, IPAddress? address, string kind, string why, string message)
    {
        _live.Note(kind, why, address);
        Answer(socket, Line(message));
    }

    private void Answer(Socket socket, byte[] answer)
    {
        ConnectionAnswer.Send(socket, answer); // closes it
        _budget.Release();
    }

    private void Close(Socket socket)
    {
        socket.Dispose();
        _budget.Release();
    }

    /// <summary>
    /// A head read a line at a time: what has arrived is peeked, and only the bytes up to the line's end are taken
    /// out of the socket, so whatever follows the head (the audio) is still there for the source's reader.
    /// </summary>
    private sealed class HeadReader(Socket socket)
    {
        private readonly byte[] _window = new byte[SourceRequest.MaxHead];

        /// <summary>Bytes of the head taken out of the socket so far.</summary>
        public int Length { get; private set; }

        /// <summary>
        /// The next line (without its LF and the CRs before it: CRLF, LF and nsvcap's CRCRLF all end one), or null when
        /// the head would grow past <see cref="SourceRequest.MaxHead"/>. Before it waits for more bytes it calls
        /// <paramref name="beforeWaiting"/>. Throws <see cref="EndOfStreamException"/> when the peer closes first.
        /// </summary>
        public async Task<byte[]?> ReadLineAsync(Func<Task>? beforeWaiting, CancellationToken cancellationToken)
        {
            var line = new List<byte>();
            while (true)
            {
                var room = _window.Length - Length;
                if (room == 0)
                {
                    return null;
                }
                if (beforeWaiting is not null && socket.Available == 0)
                {
                    await beforeWaiting();
                }
                var peeked = await socket.ReceiveAsync(_window.AsMemory(0, room), SocketFlags.Peek, cancellationToken);
                if (peeked == 0)
                {
                    throw new EndOfStreamException();
                }
                var piece = _window.AsSpan(0, peeked);
                var end = piece.IndexOf((byte)'\n');
                var take = end < 0 ? peeked : end + 1;
                if (!ConnectionAnswer.Consume(socket, take))
                {
                    throw new EndOfStreamException();
                }
                Length += take;
                if (end >= 0)
                {
                    line.AddRange(piece[..end].TrimEnd((byte)'\r'));
                    return [.. line];
                }
                line.AddRange(piece);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "SHOUTcast v1 source clients are taken on {EndPoint}.", EventName = "ShoutcastListening")]
        public static partial void Listening(ILogger logger, EndPoint endPoint);

        [LoggerMessage(2, LogLevel.Information, "A SHOUTcast source connection from {Address} was closed: no whole head within {Seconds} s ({Bytes} bytes came).", EventName = "ShoutcastHeadTimedOut")]
        public static partial void HeadTimedOut(ILogger logger, IPAddress? address, double seconds, int bytes);

        [LoggerMessage(3, LogLevel.Warning, "A SHOUTcast source connection from {Address} was refused: {Limit} from that address are still sending their head.", EventName = "ShoutcastTooManyFromAddress")]
        public static partial void TooManyFromAddress(ILogger logger, IPAddress? address, int limit);

        [LoggerMessage(4, LogLevel.Debug, "A SHOUTcast source connection from {Address} was refused: the open-file budget is full.", EventName = "ShoutcastFull")]
        public static partial void Full(ILogger logger, IPAddress? address);

        [LoggerMessage(5, LogLevel.Error, "Reading a SHOUTcast source's head from {Address} failed; the connection was closed.", EventName = "ShoutcastHandshakeFailed")]
        public static partial void HandshakeFailed(ILogger logger, IPAddress? address, Exception exception);
    }
}
