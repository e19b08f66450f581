using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using RadioServer.Audio;
using RadioServer.Library;
using RadioServer.Live.Accounts;
using RadioServer.Live.Recording;
using RadioServer.Scheduling;
using RadioServer.Station;
using RadioServer.Streaming.Connections;

namespace RadioServer.Live;

/// <summary>
/// Live source clients on the station's own port, answered from the accept loop as Icecast answers them: a PUT or
/// SOURCE of <see cref="LiveOptions.MountPath"/> (or of the listener mount) is checked — the master source (user
/// <c>source</c>, the operator's password) at any time; a host (their account's name and password) only for a show
/// that lists them, from its early window to its close — answered (100 Continue when asked, then 200) and read by a
/// <see cref="LiveSource"/>. What is heard when is the <see cref="LiveDirector"/>'s (the air chain's
/// <see cref="ILiveFeed"/>). Checking a password is deliberately slow (PBKDF2): it runs off the accept loop, one at a
/// time, and an address that keeps failing is answered 429 without a check.
/// </summary>
internal sealed partial class LiveSources : IDirectConnectionHandler, ILiveFeed
{
    /// <summary>Failed checks an address may make in <see cref="FailureWindow"/> before it is answered 429.</summary>
    public const int FailuresAllowed = 5;

    public static readonly TimeSpan FailureWindow = TimeSpan.FromMinutes(1);

    private static readonly byte[] s_unauthorized = ConnectionAnswer.Of("401 Unauthorized", null, "Authentication required.", "WWW-Authenticate: Basic realm=\"RadioServer\"\r\nAllow: GET, HEAD, PUT, SOURCE, OPTIONS\r\n");
    private static readonly byte[] s_inUse = ConnectionAnswer.Of("403 Forbidden", null, "Mountpoint in use.");
    private static readonly byte[] s_contentType = ConnectionAnswer.Of("403 Forbidden", null, $"Content-type not supported. Send {LiveDecoders.Supported}; AAC is not decoded here.");
    private static readonly byte[] s_disabled = ConnectionAnswer.Of("403 Forbidden", null, "This account is disabled.");
    private static readonly byte[] s_continue = Encoding.ASCII.GetBytes("HTTP/1.1 100 Continue\r\n\r\n");

    private readonly byte[] _liveMount;
    private readonly byte[] _listenerMount;
    private readonly byte[]? _masterHash;
    private readonly LiveOptions _options;
    private readonly DescriptorBudget _budget;
    private readonly ScheduleStore _schedule;
    private readonly IHostAccounts _accounts;
    private readonly TimeProvider _time;
    private readonly ILogger<LiveSources> _logger;
    private readonly SemaphoreSlim _checking = new(1, 1);
    private readonly ConcurrentDictionary<IPAddress, (int Count, DateTimeOffset Since)> _failures = new();
    private readonly ConcurrentDictionary<string, long> _refusals = new();
    private readonly bool _edge;
    private long _connects;

    public LiveSources(IOptions<LiveOptions> options, IOptions<RadioOptions> radio, DescriptorBudget budget, ScheduleStore schedule, IHostAccounts accounts, ILiveRecorder recorder, TimeProvider time, ILogger<LiveSources> logger, IOptions<SoundOptions>? sound = null, IOptions<RadioServer.Edges.EdgeOptions>? edge = null)
    {
        _options = options.Value;
        _edge = edge?.Value.IsEdge == true;
        _budget = budget;
        _schedule = schedule;
        _accounts = accounts;
        _time = time;
        _logger = logger;
        _liveMount = Encoding.ASCII.GetBytes(_options.MountPath);
        _listenerMount = Encoding.ASCII.GetBytes(radio.Value.MountPath);
        _masterHash = string.IsNullOrEmpty(_options.MasterPassword) ? null : SHA256.HashData(Encoding.UTF8.GetBytes(_options.MasterPassword));
        Director = new LiveDirector(recorder, TimeSpan.FromSeconds(_options.GraceSeconds), "Live", logger, sound?.Value);
        // An account disabled, deleted, blocked or given a new password keeps no source on air.
        _accounts.Revoked += revoked => EndAccount(revoked.Account.Name, revoked.Reason switch
        {
            HostAccountRevocation.Disabled => "the account was disabled by an operator",
            HostAccountRevocation.Deleted => "the account was deleted by an operator",
            HostAccountRevocation.PasswordChanged => "the account's password was changed",
            _ => "the account was blocked by an operator",
        });
    }

    /// <summary>Raised when a source comes or goes, or what is on air, in standby or its title changes (any thread; keep it short).</summary>
    public event Action? Changed
    {
        add => Director.Changed += value;
        remove => Director.Changed -= value;
    }

    public LiveDirector Director { get; }

    /// <summary>A source connected now (the master first), if any; it may be in standby.</summary>
    public LiveSource? Current
    {
        get
        {
            var (master, host, _) = Director.Snapshot();
            return master is { Disconnected: false } ? master : host is { Disconnected: false } ? host : null;
        }
    }

    /// <summary>Decoded samples waiting in the connected sources' buffers (interleaved stereo).</summary>
    public int Buffered
    {
        get
        {
            var (master, host, _) = Director.Snapshot();
            return (master?.Buffer.Count ?? 0) + (host?.Buffer.Count ?? 0);
        }
    }

    /// <summary>Sources accepted since the start.</summary>
    public long Connects => Interlocked.Read(ref _connects);

    /// <summary>Sources refused since the start.</summary>
    public long Refused => _refusals.Values.Sum();

    /// <summary>Sources refused since the start, by reason (credentials, rateLimited, slot, disabled, blocked, inUse, contentType, bad, edge).</summary>
    public IReadOnlyDictionary<string, long> Refusals => _refusals;

    bool ILiveFeed.OnAir => Director.OnAir;

    TrackInfo ILiveFeed.Title => Director.Title;

    void ILiveFeed.BeginFrame(DateTimeOffset instant, bool automationTrackStarted) => Director.BeginFrame(instant, automationTrackStarted);

    int ILiveFeed.Read(Span<float> samples) => Director.Read(samples);

    void ILiveFeed.EndFrame(ReadOnlySpan<float> program) => Director.EndFrame(program);

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
            Refuse(socket, ConnectionAnswer.Of("400 Bad Request", null, reason ?? "Bad request."), address, "bad", "bad request: " + reason);
            return true;
        }
        if (request!.Headers.TryGetValue("Transfer-Encoding", out var encoding) && !encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
        {
            Refuse(socket, ConnectionAnswer.Of("400 Bad Request", null, "Transfer-Encoding is not supported: send the audio as the body until the connection ends."), address, "bad", "transfer encoding " + encoding);
            return true;
        }
        // Never on the accepting thread: the password check is slow on purpose, and a source that keeps sending would keep it.
        _ = Task.Run(() => AdmitAsync(socket, request, address));
        return true;
    }

    private async Task AdmitAsync(Socket socket, SourceRequest request, IPAddress? address)
    {
        try
        {
            var (user, password) = request.User is null && request.Headers.TryGetValue("ice-password", out var icePassword)
                ? ("source", icePassword) // ICE/1.0 clients (old DarkIce) send the password alone, for user source, as Icecast takes it
                : (request.User, request.Password);
            var clearance = await ClearAsync(user, password, address);
            var admission = clearance.Refusal is { } refused ? new SourceAdmission(null, refused) : Admit(clearance, socket, address, request);
            if (admission.Source is not { } source)
            {
                ConnectionAnswer.Send(socket, HttpAnswer(admission.Refusal!)); // closes it
                _budget.Release();
                return;
            }
            // As Icecast: 100 Continue when asked (ffmpeg and libshout wait for it before the audio), then 200.
            var ok = Encoding.ASCII.GetBytes($"{(request.Protocol == "HTTP/1.1" ? "HTTP/1.1" : "HTTP/1.0")} 200 OK\r\nServer: RadioServer\r\nConnection: close\r\n\r\n");
            ok = request.ExpectContinue ? [.. s_continue, .. ok] : ok;
            await source.RunAsync(ok);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.AdmitFailed(_logger, address, ex);
            Close(socket);
        }
    }

    /// <summary>A refusal as an HTTP answer (Icecast's statuses): 401 with the challenge, 429, else 403 with the reason.</summary>
    private static byte[] HttpAnswer(SourceRefusal refusal) => refusal.Kind switch
    {
        "credentials" => s_unauthorized,
        "rateLimited" => ConnectionAnswer.Of("429 Too Many Requests", refusal.RetryAfterSeconds, refusal.Message),
        "disabled" => s_disabled,
        "inUse" => s_inUse,
        "contentType" => s_contentType,
        _ => ConnectionAnswer.Of("403 Forbidden", refusal.RetryAfterSeconds, refusal.Message),
    };

    /// <summary>
    /// The first half of a source's admission, whatever its protocol: who <paramref name="user"/> is (null: no
    /// credentials were sent) — the master, or a host with a slot open now (then its session) — or why it is refused
    /// (counted and logged here; the caller answers it in its protocol and closes). Slow on purpose (the password check).
    /// </summary>
    internal async Task<SourceClearance> ClearAsync(string? user, string? password, IPAddress? address)
    {
        var now = _time.GetUtcNow();
        if (_edge)
        {
            // An edge plays the origin's frames and nothing else (its chain encodes nothing): a source here would be
            // accepted and never heard. Said before any password is looked at, the same to everyone.
            return new SourceClearance(null, Counted(new("edge", "this node is an edge", "This node relays the station from its origin: connect live sources to the origin."), address));
        }
        if (user is null)
        {
            // libshout's first try has no credentials: the challenge, answered at once (there is nothing to check).
            return new SourceClearance(null, Counted(new("credentials", "no credentials", "Authentication required."), address));
        }
        if (TooManyFailures(address, now, out var retryAfter))
        {
            return new SourceClearance(null, Counted(new("rateLimited", "too many failed logins", "Too many failed logins from this address; try again later.", retryAfter), address));
        }
        var identity = await CheckAsync(user, password);
        if (identity is null)
        {
            Failed(address, now);
            // The same answer, in the same time, for a wrong user or a wrong password.
            return new SourceClearance(null, Counted(new("credentials", "wrong credentials", "Authentication required."), address));
        }
        if (identity == Master)
        {
            return new SourceClearance(null, null);
        }
        var account = identity;
        now = _time.GetUtcNow();
        if (account.Disabled)
        {
            return new SourceClearance(null, Counted(new("disabled", $"the account {account.Name} is disabled", "This account is disabled."), address));
        }
        if (account.BlockedUntil is { } until && until > now)
        {
            return new SourceClearance(null, Counted(new("blocked", $"{account.Name} is blocked", $"An operator blocked this account until {StationTime(until):HH:mm}.", (int)Math.Ceiling((until - now).TotalSeconds)), address));
        }
        if (FindSlot(account.Name, now, out var why) is not { } slot)
        {
            return new SourceClearance(null, Counted(new("slot", why, why), address));
        }
        return new SourceClearance(Director.SessionFor(slot, account.Name, _schedule.Current.Zone, TimeSpan.FromSeconds(_options.GraceSeconds)), null);
    }

    /// <summary>
    /// The second half: the decoder for <paramref name="request"/>'s content type, a <see cref="LiveSource"/> on
    /// <paramref name="socket"/>, attached to the director — the source for the caller to run (it answers "accepted"
    /// in its protocol first), or why not (counted and logged; the caller answers it and closes).
    /// </summary>
    internal SourceAdmission Admit(SourceClearance clearance, Socket socket, IPAddress? address, SourceRequest request)
    {
        var session = clearance.Session;
        if (LiveDecoders.For(request.ContentType) is not { } decoder)
        {
            return new SourceAdmission(null, Counted(new("contentType", $"content type {request.ContentType}", "Content-type not supported."), address));
        }
        var source = new LiveSource(this, socket, address, request, decoder, session, _time, TimeSpan.FromSeconds(_options.SourceTimeoutSeconds), _logger)
        {
            Title = session is null && !string.IsNullOrWhiteSpace(request.Name) ? new TrackInfo("live:master", "", "", request.Name.Trim(), null, TimeSpan.Zero) : null,
        };
        if (!Director.TryAttach(source, _time.GetUtcNow()))
        {
            return new SourceAdmission(null, Counted(new("inUse", "the mount is in use", "Mountpoint in use."), address));
        }
        Interlocked.Increment(ref _connects);
        Log.SourceConnected(_logger, address, source.Account, session?.Show.Title ?? "(master)", request.UserAgent ?? "", decoder.Codec);
        return new SourceAdmission(source, null);
    }

    private SourceRefusal Counted(SourceRefusal refusal, IPAddress? address)
    {
        Note(refusal.Kind, refusal.Why, address);
        return refusal;
    }

    private static readonly HostAccount Master = new("source", false, null, DateTimeOffset.MinValue, null);

    /// <summary>Who these credentials are (the master, a host's account) or null; the same work for every wrong answer.</summary>
    private async Task<HostAccount?> CheckAsync(string user, string? password)
    {
        await _checking.WaitAsync(); // one PBKDF2 at a time: a flood of logins takes one core, never both
        try
        {
            // Both checks always run, so the time tells nothing about which one (or whether an account) exists.
            var given = SHA256.HashData(Encoding.UTF8.GetBytes(password ?? ""));
            var expected = _masterHash ?? SHA256.HashData(RandomNumberGenerator.GetBytes(16));
            var masterOk = CryptographicOperations.FixedTimeEquals(given, expected) & _masterHash is not null & user == "source";
            var host = _accounts.Verify(user == "source" ? "\u0000" : user, password ?? "");
            return masterOk ? Master : host;
        }
        finally
        {
            _checking.Release();
        }
    }

    /// <summary>Checks updinfo's credentials: the account name (or <c>source</c>) when they are a source's, else null.</summary>
    internal async Task<string?> AuthenticateAsync(string? user, string? password, IPAddress? address)
    {
        var now = _time.GetUtcNow();
        if (user is null || TooManyFailures(address, now, out _))
        {
            return null;
        }
        var identity = await CheckAsync(user, password);
        if (identity is null)
        {
            Failed(address, now);
        }
        return identity?.Name;
    }

    /// <summary>The slot <paramref name="host"/> may be live in now, or null with the reason (naming the slot).</summary>
    internal SlotOccurrence? FindSlot(string host, DateTimeOffset now, out string reason)
    {
        var schedule = _schedule.Current;
        var slots = schedule.Occurrences(now.AddDays(-1), now.AddDays(8)).Where(o => o.Show.Lists(host)).ToList();
        if (slots.FirstOrDefault(o => now >= LiveSession.Opening(o) && now < LiveSession.Closing(o)) is { } open)
        {
            reason = "";
            return open;
        }
        var next = slots.FirstOrDefault(o => LiveSession.Opening(o) > now);
        var ended = slots.LastOrDefault(o => LiveSession.Closing(o) <= now && now - LiveSession.Closing(o) < TimeSpan.FromHours(12));
        var nextText = next is null ? "" : $"{host} may go live for {next.Show.Title} from {StationTime(LiveSession.Opening(next)):ddd d MMM HH:mm} (the slot is {StationTime(next.StartUtc):HH:mm}-{StationTime(next.EndUtc):HH:mm}, {schedule.Zone.Id}).";
        reason = (ended, next) switch
        {
            ({ } last, _) => $"The slot of {last.Show.Title} ({StationTime(last.StartUtc):HH:mm}-{StationTime(last.EndUtc):HH:mm}) is over: live until {StationTime(LiveSession.Closing(last)):HH:mm}. {nextText}".TrimEnd(),
            (null, { }) => nextText,
            _ => $"No show in the schedule lists {host} as a host.",
        };
        return null;
    }

    /// <summary>Called by the source's task when it ends: the mount is free, what it buffered still plays out.</summary>
    internal void Ended(LiveSource source, string reason)
    {
        Director.Detached(source);
        Log.SourceEnded(_logger, source.Address, source.Account, reason, source.BytesRead, source.Decoder.Frames, source.Decoder.Codec);
        Close(source.Socket);
    }

    /// <summary>The handler a source's decoder raises when the stream carries a title (Ogg comments).</summary>
    internal Action<string> TitleFrom(LiveSource source) => title => SetTitle(source, title);

    /// <summary>A title for <paramref name="account"/>'s source (updinfo); false when that account has no source connected.</summary>
    internal bool SetTitle(string account, string title)
    {
        var (master, host, _) = Director.Snapshot();
        var source = account == "source" ? master : host is not null && string.Equals(host.Account, account, StringComparison.OrdinalIgnoreCase) ? host : null;
        if (source is null || source.Disconnected)
        {
            return false;
        }
        SetTitle(source, title);
        return true;
    }

    private void SetTitle(LiveSource source, string title)
    {
        if (string.IsNullOrWhiteSpace(title))
        {
            return;
        }
        if (source.Session is { } session)
        {
            session.Title = session.SentTitle(title);
        }
        else
        {
            source.Title = new TrackInfo("live:master", "", "", title.Trim(), null, TimeSpan.Zero);
        }
        Log.TitleUpdated(_logger, source.Account, title.Trim());
    }

    /// <summary>Ends the source <paramref name="id"/> (an operator), and keeps its host's account out for <paramref name="block"/>; false when there is no such source.</summary>
    internal bool End(long id, string why, TimeSpan? block = null)
    {
        var (master, host, _) = Director.Snapshot();
        var source = master?.Id == id ? master : host?.Id == id ? host : null;
        if (source is null || source.Disconnected)
        {
            return false;
        }
        if (block is { } minutes && !source.IsMaster)
        {
            _accounts.Block(source.Account, _time.GetUtcNow() + minutes);
        }
        source.End(why);
        return true;
    }

    /// <summary>The live state now; <paramref name="withAddresses"/> for operators, <paramref name="withSources"/> for hosts and operators.</summary>
    public LiveStatus Status(bool withSources, bool withAddresses)
    {
        var (master, host, session) = Director.Snapshot();
        var heard = Director.OnAirSource;
        var sources = new List<LiveSourceStatus>(2);
        if (withSources)
        {
            foreach (var source in new[] { master, host })
            {
                if (source is { Disconnected: false })
                {
                    var (rate, channels, bitrate) = source.Decoder.SourceFormat;
                    sources.Add(new LiveSourceStatus(
                        source.Id,
                        source.Account,
                        source.IsMaster,
                        ReferenceEquals(source, heard),
                        source.Request.UserAgent,
                        withAddresses ? source.Address?.ToString() : null,
                        source.Decoder.Codec,
                        rate,
                        channels,
                        bitrate,
                        source.Since,
                        double.IsFinite(source.LevelDb) ? Math.Round(source.LevelDb, 1) : null,
                        source.Request.Name,
                        (int)(source.Buffer.Count * 1000L / (StationFormat.SampleRate * StationFormat.Channels)),
                        source.Buffer.Underruns));
                }
            }
        }
        var zone = _schedule.Current.Zone;
        DateTimeOffset? Local(DateTimeOffset? instant) => instant is { } i ? TimeZoneInfo.ConvertTime(i, zone) : null;
        var state = session?.State switch
        {
            LiveState.Standby when host is { Disconnected: false } => "standby",
            LiveState.OnAir => "onAir",
            LiveState.Dropped => "dropped",
            _ => heard is not null ? "onAir" : "off",
        };
        var onAirAt = session is { State: LiveState.Standby } s
            ? s.Show.Live.Takeover switch
            {
                LiveTakeover.Boundary => s.Slot.StartUtc,
                LiveTakeover.Immediate => (DateTimeOffset?)null,
                _ => null,
            }
            : null;
        var withSession = state != "off" && session is not null;
        return new LiveStatus(
            state,
            heard is not null,
            heard?.IsMaster ?? false,
            withSession ? session!.Host : null,
            withSession ? session!.Show.Id : null,
            withSession ? session!.Show.Title : null,
            withSession ? Local(session!.Slot.StartUtc) : null,
            withSession ? Local(session!.Slot.EndUtc) : null,
            withSession ? Local(session!.Closes) : null,
            Local(onAirAt),
            withSession ? TakeoverName(session!.Show.Live.Takeover) : null,
            sources,
            _options.MountPath,
            TimeZoneInfo.ConvertTime(_time.GetUtcNow(), zone));
    }

    private static string TakeoverName(LiveTakeover takeover) => takeover switch
    {
        LiveTakeover.Boundary => "boundary",
        LiveTakeover.TrackEnd => "trackEnd",
        _ => "immediate",
    };

    private void EndAccount(string account, string why)
    {
        var (_, host, _) = Director.Snapshot();
        if (host is { Disconnected: false } && string.Equals(host.Account, account, StringComparison.OrdinalIgnoreCase))
        {
            host.End(why);
        }
    }

    /// <summary>Ends the host's source (the host's own "end" on the hosts' page); false when no host is connected.</summary>
    internal bool EndHost()
    {
        var (_, host, _) = Director.Snapshot();
        return host is { Disconnected: false } && End(host.Id, "ended from the hosts' page");
    }

    /// <summary>Whether <paramref name="mount"/> is where sources connect (the live mount or the listener mount).</summary>
    internal bool IsSourceMount(string mount) => IsMount(mount);

    private DateTimeOffset StationTime(DateTimeOffset instant) => TimeZoneInfo.ConvertTime(instant, _schedule.Current.Zone);

    private bool IsMount(string path)
    {
        // DarkIce writes "SOURCE /" + its mount setting, so "/live" in its config arrives as "//live".
        path = "/" + path.TrimStart('/');
        var bytes = Encoding.UTF8.GetBytes(path);
        return bytes.AsSpan().SequenceEqual(_liveMount) || bytes.AsSpan().SequenceEqual(_listenerMount);
    }

    private bool TooManyFailures(IPAddress? address, DateTimeOffset now, out int retryAfter)
    {
        retryAfter = 0;
        if (address is null || !_failures.TryGetValue(address, out var failures) || now - failures.Since >= FailureWindow || failures.Count < FailuresAllowed)
        {
            return false;
        }
        retryAfter = Math.Max(1, (int)Math.Ceiling((failures.Since + FailureWindow - now).TotalSeconds));
        return true;
    }

    private void Failed(IPAddress? address, DateTimeOffset now)
    {
        if (address is null)
        {
            return;
        }
        _failures.AddOrUpdate(address, (1, now), (_, f) => now - f.Since >= FailureWindow ? (1, now) : (f.Count + 1, f.Since));
        if (_failures.Count > 10_000)
        {
            foreach (var (key, value) in _failures)
            {
                if (now - value.Since >= FailureWindow)
                {
                    _failures.TryRemove(key, out _);
                }
            }
        }
    }

    private void Refuse(Socket socket, byte[] answer, IPAddress? address, string kind, string why)
    {
        Note(kind, why, address);
        ConnectionAnswer.Send(socket, answer); // closes it
        _budget.Release();
    }

    /// <summary>Counts and logs a refusal (also one another protocol's reader decided: a SHOUTcast head it could not read).</summary>
    internal void Note(string kind, string why, IPAddress? address)
    {
        _refusals.AddOrUpdate(kind, 1, (_, n) => n + 1);
        Log.SourceRefused(_logger, address, why);
    }

    private void Close(Socket socket)
    {
        socket.Dispose();
        _budget.Release();
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Live source connected from {Address}: {Account} for {Show} ({UserAgent}, {Codec}).", EventName = "SourceConnected")]
        public static partial void SourceConnected(ILogger logger, IPAddress? address, string account, string show, string userAgent, string codec);

        [LoggerMessage(2, LogLevel.Information, "Live source of {Account} from {Address} ended: {Reason} ({Bytes} bytes, {Frames} {Codec} frames).", EventName = "SourceEnded")]
        public static partial void SourceEnded(ILogger logger, IPAddress? address, string account, string reason, long bytes, long frames, string codec);

        [LoggerMessage(3, LogLevel.Warning, "Live source from {Address} refused: {Reason}.", EventName = "SourceRefused")]
        public static partial void SourceRefused(ILogger logger, IPAddress? address, string reason);

        [LoggerMessage(4, LogLevel.Information, "Live title from {Account}: {Title}.", EventName = "LiveTitleUpdated")]
        public static partial void TitleUpdated(ILogger logger, string account, string title);

        [LoggerMessage(5, LogLevel.Error, "Admitting a live source from {Address} failed.", EventName = "SourceAdmitFailed")]
        public static partial void AdmitFailed(ILogger logger, IPAddress? address, Exception exception);
    }
}
