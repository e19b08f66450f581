using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Options;
using RadioServer.Audio;
using RadioServer.Station;
using RadioServer.Streaming;

namespace RadioServer.Edges;

/// <summary>
/// An edge's feed, in place of its air chain's driver: one pull of the origin's stream (<see cref="RelayProtocol"/>),
/// published through <see cref="AirChain.Relay"/> into this node's broadcast buffer at the origin's own stream positions,
/// with the origin's title marks, so listeners, ICY, burst, the slow-listener rule and the hub's in-sync NOW PLAYING work
/// here as on the origin. When the origin goes away (closed, refused, garbage, or silent for <see cref="StallTimeout"/>)
/// the edge keeps its listeners fed with silent MP3 frames at the stream's bitrate and real time, positions running on,
/// and reconnects with back-off (0.5 s doubling to 5 s), asking the origin to go on from its own live edge; once the
/// origin is back its audio follows the silence (positions jump forward by less than a chunk). An outage longer than
/// <see cref="EdgeOptions.OriginAlarmSeconds"/> alarms operators (<see cref="HealthChanged"/>) and the title says so.
/// Threads: the pull loop and the silence timer publish, one at a time, under one lock.
/// </summary>
internal sealed partial class OriginRelay : BackgroundService
{
    /// <summary>The origin publishes every ~105 ms; this long without audio and its listeners start to hear silence.</summary>
    public static readonly TimeSpan StallTimeout = TimeSpan.FromSeconds(1);

    /// <summary>A connection that brings no audio this long is given up, also during an outage (an origin that answers, then says nothing).</summary>
    public static readonly TimeSpan QuietConnectionTimeout = TimeSpan.FromSeconds(3);

    private static readonly TimeSpan s_fillInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan s_headersTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan s_minBackoff = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan s_maxBackoff = TimeSpan.FromSeconds(5);

    private readonly AirChain _chain;
    private readonly BroadcastBuffer _buffer;
    private readonly EdgeHttp _http;
    private readonly RadioOptions _radio;
    private readonly EdgeOptions _edge;
    private readonly TimeProvider _time;
    private readonly ILogger<OriginRelay> _logger;
    private readonly SilentFrames _silence;
    private readonly long _maxJump;
    private readonly string _key;

    private readonly Lock _gate = new();
    // Under _gate:
    private bool _started;            // the first audio has been published: from then on there is a live edge to keep fed
    private long _offset;             // this node's stream position minus the origin's
    private long _session;            // the connection whose audio is taken; a stalled one is given up by bumping it
    private long _sessionNext = -1;   // origin position the session's next chunk must have
    private bool _sessionMapped;
    private RelayMark? _sessionMark;
    private (long Position, string Title)? _originMark;
    private TrackMark? _mark;
    private bool _silenceMark;
    private long _anchorTimestamp;    // the last origin audio: when it came, and the live edge after it
    private long _anchorPosition;
    private CancellationTokenSource? _connection;
    private long _connectionAudioTimestamp; // when the connection opened or last brought audio
    private bool _connected;
    private DateTimeOffset? _connectedSince;
    private DateTimeOffset? _lostAt;
    private long _lostTimestamp;
    private bool _alarm;
    private long _connects;
    private long _attempts;
    private long _silentFrames;
    private string? _lastError;
    private ITimer? _timer;

    public OriginRelay(AirChain chain, BroadcastBuffer buffer, EdgeHttp http, IOptions<RadioOptions> radio, IOptions<EdgeOptions> edge, TimeProvider time, ILogger<OriginRelay> logger)
    {
        _chain = chain;
        _buffer = buffer;
        _http = http;
        _radio = radio.Value;
        _edge = edge.Value;
        _time = time;
        _logger = logger;
        _key = _edge.EdgeKey ?? "";
        _silence = new SilentFrames(_radio.BitrateKbps);
        // A forward jump larger than this would put listeners near the queue limit over it: the edge offsets its positions instead.
        _maxJump = Math.Min(BytesPerSecond * 2, _radio.QueueLimitBytes / 4);
    }

    /// <summary>Raised when an outage passes the alarm time (true) and when the origin is back after one (false); on the timer's or the pull's thread.</summary>
    public event Action<bool, string>? HealthChanged;

    private long BytesPerSecond => _radio.BitrateKbps * 1000L / 8;

    public OriginLinkStatus Status(bool reporting, int stationListeners)
    {
        lock (_gate)
        {
            var outage = _lostAt is null ? 0 : _time.GetElapsedTime(_lostTimestamp).TotalSeconds;
            return new OriginLinkStatus(_http.Origin!.ToString(), _connected, _connectedSince, _lostAt, Math.Round(outage, 3), _alarm, _attempts, _connects,
                Math.Round(_silentFrames * (double)StationFormat.FrameSamples / StationFormat.SampleRate, 3), _lastError, _offset, reporting, stationListeners);
        }
    }

    public bool Connected
    {
        get
        {
            lock (_gate)
            {
                return _connected;
            }
        }
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        Log.Edge(_logger, _http.Origin!);
        _timer = _time.CreateTimer(static r => ((OriginRelay)r!).Fill(), this, s_fillInterval, s_fillInterval);
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_timer is not null)
        {
            await _timer.DisposeAsync();
        }
        await base.StopAsync(cancellationToken);
        _chain.Stop(); // off air here too: listeners end, as when the air chain stops
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = s_minBackoff;
        while (!stoppingToken.IsCancellationRequested)
        {
            var gotAudio = false;
            try
            {
                gotAudio = await PullAsync(stoppingToken);
                Failed("the origin ended the stream");
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (OperationCanceledException)
            {
                Failed("the origin stalled (no audio for 1 s, or no answer within 5 s)");
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or InvalidDataException or JsonException)
            {
                Failed(ex is HttpRequestException http && http.InnerException is { } inner ? $"{ex.Message} ({inner.Message})" : ex.Message);
            }
            catch (Exception ex)
            {
                // Nothing the origin sends may end the edge: this connection ends, loudly, and the relay retries.
                Log.RelayFailed(_logger, ex);
                Failed(ex.Message);
            }
            if (gotAudio)
            {
                backoff = s_minBackoff;
            }
            try
            {
                await Task.Delay(backoff, _time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, s_maxBackoff.Ticks));
        }
    }

    /// <summary>One connection to the origin, until it ends; true if it brought audio.</summary>
    private async Task<bool> PullAsync(CancellationToken stoppingToken)
    {
        using var connection = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        long session;
        long? from;
        lock (_gate)
        {
            session = ++_session;
            _attempts++;
            _connection = connection;
            _connectionAudioTimestamp = _time.GetTimestamp();
            _sessionMapped = false;
            _sessionNext = -1;
            _sessionMark = null;
            from = _started ? _buffer.EndPosition - _offset : null;
        }
        var url = new Uri(_http.Origin!, RelayProtocol.Path.TrimStart('/') + (from is { } f ? "?from=" + f.ToString(CultureInfo.InvariantCulture) : ""));
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Add(RelayProtocol.KeyHeader, _key);
        HttpResponseMessage response;
        using (var headers = CancellationTokenSource.CreateLinkedTokenSource(connection.Token))
        {
            headers.CancelAfter(s_headersTimeout);
            response = await _http.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, headers.Token);
        }
        using (response)
        {
            await CheckAsync(response, url, connection.Token);
            if (!long.TryParse(response.Headers.GetValues(RelayProtocol.PositionHeader).First(), NumberStyles.None, CultureInfo.InvariantCulture, out var position))
            {
                throw new InvalidDataException($"the origin's {RelayProtocol.PositionHeader} is not a stream position.");
            }
            Log.Connected(_logger, url, position);
            await using var body = await response.Content.ReadAsStreamAsync(connection.Token);
            var head = new byte[RelayProtocol.HeadSize];
            var gotAudio = false;
            while (true)
            {
                try
                {
                    await body.ReadExactlyAsync(head, connection.Token);
                }
                catch (EndOfStreamException)
                {
                    return gotAudio;
                }
                var length = BinaryPrimitives.ReadInt32BigEndian(head.AsSpan(1));
                if (length is < 0 or > RelayProtocol.MaxRecord)
                {
                    throw new InvalidDataException($"the origin sent a {length}-byte record: not a radio relay stream.");
                }
                switch (head[0])
                {
                    case RelayProtocol.Mark:
                        var json = new byte[length];
                        await body.ReadExactlyAsync(json, connection.Token);
                        var mark = JsonSerializer.Deserialize(json, EdgesJson.Default.RelayMark) ?? throw new InvalidDataException("the origin sent an empty title mark.");
                        lock (_gate)
                        {
                            _sessionMark = mark;
                        }
                        break;
                    case RelayProtocol.Audio when length > 8:
                        var at = new byte[8];
                        await body.ReadExactlyAsync(at, connection.Token);
                        // On the pinned heap: listeners' sockets are written straight from chunks (Streaming/README.md, "Pinned memory").
                        var frames = GC.AllocateUninitializedArray<byte>(length - 8, pinned: true);
                        await body.ReadExactlyAsync(frames, connection.Token);
                        var count = RelayProtocol.CountFrames(frames, _radio.BitrateKbps);
                        Deliver(session, BinaryPrimitives.ReadInt64BigEndian(at), frames, count);
                        gotAudio = true;
                        break;
                    default:
                        throw new InvalidDataException($"the origin sent a record of kind 0x{head[0]:X2}: not a radio relay stream.");
                }
            }
        }
    }

    /// <summary>Says in the log, plainly, why an origin's answer is not a relay stream.</summary>
    private async Task CheckAsync(HttpResponseMessage response, Uri url, CancellationToken cancellationToken)
    {
        if (response.StatusCode != HttpStatusCode.OK)
        {
            var reason = "";
            try
            {
                using var cut = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                cut.CancelAfter(TimeSpan.FromSeconds(2));
                reason = Reason(await response.Content.ReadAsStringAsync(cut.Token));
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
            {
            }
            var status = (int)response.StatusCode;
            throw new InvalidDataException(status switch
            {
                401 or 403 => $"the origin refused this edge ({status}): Radio:EdgeKey must be the origin's. {reason}".TrimEnd(),
                404 => $"{url.GetLeftPart(UriPartial.Path)} is not there (404): is Radio:Origin a RadioServer origin?",
                _ => $"the origin answered {status} {response.ReasonPhrase}. {reason}".TrimEnd(),
            });
        }
        if (response.Content.Headers.ContentType?.MediaType != RelayProtocol.ContentType || !response.Headers.Contains(RelayProtocol.PositionHeader))
        {
            throw new InvalidDataException($"{url.GetLeftPart(UriPartial.Path)} answered {response.Content.Headers.ContentType?.MediaType ?? "no content type"}, not a radio relay stream: is Radio:Origin a RadioServer origin?");
        }
        if (response.Headers.TryGetValues(RelayProtocol.BitrateHeader, out var bitrates) && bitrates.First() != _radio.BitrateKbps.ToString(CultureInfo.InvariantCulture))
        {
            throw new InvalidDataException($"the origin streams {bitrates.First()} kbps and this edge is set to {_radio.BitrateKbps} (Radio:BitrateKbps must be the origin's).");
        }
    }

    /// <summary>The reason in a refusal: a problem's detail (without its trace id, so the same refusal reads the same each retry), else the text's start.</summary>
    private static string Reason(string body)
    {
        try
        {
            using var problem = JsonDocument.Parse(body);
            if (problem.RootElement.ValueKind == JsonValueKind.Object &&
                (problem.RootElement.TryGetProperty("detail", out var detail) || problem.RootElement.TryGetProperty("title", out detail)) &&
                detail.ValueKind == JsonValueKind.String)
            {
                return detail.GetString() ?? "";
            }
        }
        catch (JsonException)
        {
        }
        return body.Length > 200 ? body[..200] : body;
    }

    /// <summary>A chunk of the origin's audio: published at its position (plus the offset, if any), with its title.</summary>
    private void Deliver(long session, long position, byte[] frames, int count)
    {
        bool back;
        string? message = null;
        lock (_gate)
        {
            if (session != _session)
            {
                throw new OperationCanceledException("The connection was given up as stalled.");
            }
            if (_sessionMark is not { } relayMark)
            {
                throw new InvalidDataException("the origin sent audio before its title.");
            }
            if (_sessionNext >= 0 && position != _sessionNext)
            {
                throw new InvalidDataException($"the origin's chunks are not contiguous (expected position {_sessionNext}, got {position}).");
            }
            _sessionNext = position + frames.Length;
            var end = _buffer.EndPosition;
            if (!_sessionMapped)
            {
                _sessionMapped = true;
                if (!_started || Math.Abs(position + _offset - end) <= _maxJump)
                {
                    // The usual case: the origin goes on from (about) where this edge is, at the same positions.
                }
                else if (Math.Abs(position - end) <= _maxJump)
                {
                    _offset = 0;
                }
                else
                {
                    // The origin restarted (its positions began again) or was away longer than its ring: run on from ours.
                    var offset = end - position;
                    Log.PositionOffset(_logger, position, end, offset);
                    _offset = offset;
                }
            }
            var at = position + _offset;
            if (_started && at < end)
            {
                return; // audio this edge already covered with silence
            }
            var mark = MarkFor(relayMark, at);
            _chain.Relay(frames, count, mark, at);
            _started = true;
            _anchorTimestamp = _time.GetTimestamp();
            _connectionAudioTimestamp = _anchorTimestamp;
            _anchorPosition = at + frames.Length;
            back = !_connected;
            if (back)
            {
                _connected = true;
                _connectedSince = _time.GetUtcNow();
                _connects++;
                if (_lostAt is { } lost)
                {
                    Log.OriginBack(_logger, (_connectedSince.Value - lost).TotalSeconds);
                    if (_alarm)
                    {
                        _alarm = false;
                        message = FormattableString.Invariant($"The origin is back after {(_connectedSince.Value - lost).TotalSeconds:0.0} s; this edge relays it again.");
                    }
                }
                _lostAt = null;
                _lastError = null;
            }
        }
        if (message is not null)
        {
            HealthChanged?.Invoke(false, message);
        }
    }

    /// <summary>The edge's mark for a relayed one: the same object while the origin's title stays (no ICY or hub repeat), a new one when it changes.</summary>
    private TrackMark MarkFor(RelayMark relayMark, long at)
    {
        var identity = (relayMark.Position, relayMark.StreamTitle);
        if (_mark is not null && !_silenceMark && _originMark == identity)
        {
            return _mark;
        }
        // Back after an outage's silence mark the title is heard again from here; otherwise it starts where the origin says.
        var position = _silenceMark ? at : Math.Min(relayMark.Position + _offset, at);
        // Where the title is heard (NOW PLAYING waits for it) keeps its distance from the chunk's start, as on the origin.
        var heard = position + Math.Max(0, (relayMark.HeardPosition ?? relayMark.Position) - relayMark.Position);
        _mark = new TrackMark(RelayProtocol.TrackOf(relayMark), relayMark.StreamTitle, position, relayMark.StartedAt, heard);
        _originMark = identity;
        _silenceMark = false;
        return _mark;
    }

    /// <summary>On the timer: while the origin is away, silence at real time from where its audio stopped; a stalled connection is given up.</summary>
    internal void Fill()
    {
        CancellationTokenSource? giveUp = null;
        string? alarm = null;
        lock (_gate)
        {
            if (_connection is { } quiet && _time.GetElapsedTime(_connectionAudioTimestamp) > QuietConnectionTimeout)
            {
                giveUp = quiet;
                _connection = null;
                _session++;
            }
            if (!_started || _time.GetElapsedTime(_anchorTimestamp) < StallTimeout)
            {
                // nothing to keep fed yet, or the origin's audio is on time
            }
            else if (_connected)
            {
                _connected = false;
                _lostAt = _time.GetUtcNow() - _time.GetElapsedTime(_anchorTimestamp);
                _lostTimestamp = _anchorTimestamp;
                _session++; // whatever the stalled connection still brings is late: this edge fills with silence
                giveUp ??= _connection;
                _connection = null;
                Log.OriginLost(_logger, _lastError ?? "no audio for 1 s");
            }
            if (_started && !_connected)
            {
                FillSilence(ref alarm);
            }
        }
        if (giveUp is not null)
        {
            try
            {
                giveUp.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }
        if (alarm is not null)
        {
            HealthChanged?.Invoke(true, alarm);
        }
    }

    /// <summary>Under the lock, while the origin is away: the alarm once the outage is long, and silence up to real time.</summary>
    private void FillSilence(ref string? alarm)
    {
        var outage = _time.GetElapsedTime(_lostTimestamp);
        if (!_alarm && outage.TotalSeconds >= _edge.OriginAlarmSeconds)
        {
            _alarm = true;
            alarm = FormattableString.Invariant($"The origin has been away for {outage.TotalSeconds:0.0} s ({_lastError ?? "no audio"}); this edge's listeners hear silence.");
            Log.OriginOutage(_logger, outage.TotalSeconds, _lastError ?? "no audio");
            _mark = new TrackMark(null, _radio.StationName, _buffer.EndPosition, _time.GetUtcNow());
            _silenceMark = true;
        }
        var due = _anchorPosition + (long)(_time.GetElapsedTime(_anchorTimestamp).TotalSeconds * BytesPerSecond);
        var end = _buffer.EndPosition;
        // After a stall of this process (a suspended VM) the silence goes on from now, not in one burst of everything missed.
        var most = 2 * BytesPerSecond;
        if (due - end > most)
        {
            _anchorPosition -= due - end - most;
            due = end + most;
        }
        var frames = 0;
        for (var bytes = 0L; end + bytes + _silence.NextLengthAfter(frames) <= due; frames++)
        {
            bytes += _silence.NextLengthAfter(frames);
        }
        if (frames > 0)
        {
            _chain.Relay(_silence.Take(frames), frames, _mark!, end);
            _silentFrames += frames;
        }
    }

    private void Failed(string error)
    {
        bool changed;
        lock (_gate)
        {
            changed = error != _lastError;
            _lastError = error;
            _connection = null;
        }
        // Said once per kind of failure (a wrong URL at start, a refusal, an outage), then quietly retried.
        if (changed)
        {
            Log.Unreachable(_logger, _http.Origin!, error);
        }
        else
        {
            Log.StillUnreachable(_logger, _http.Origin!, error);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Edge of {Origin}: the air chain stays off; the origin's stream feeds this node's listeners.", EventName = "EdgeOfOrigin")]
        public static partial void Edge(ILogger logger, Uri origin);

        [LoggerMessage(2, LogLevel.Information, "Relaying {Url} from stream position {Position}.", EventName = "OriginConnected")]
        public static partial void Connected(ILogger logger, Uri url, long position);

        [LoggerMessage(3, LogLevel.Warning, "Origin {Origin} unreachable: {Error}. Retrying with back-off; listeners hear silence meanwhile.", EventName = "OriginUnreachable")]
        public static partial void Unreachable(ILogger logger, Uri origin, string error);

        [LoggerMessage(4, LogLevel.Debug, "Origin {Origin} still unreachable: {Error}.", EventName = "OriginStillUnreachable")]
        public static partial void StillUnreachable(ILogger logger, Uri origin, string error);

        [LoggerMessage(5, LogLevel.Warning, "The origin's audio stopped ({Error}): listeners hear silence until it is back.", EventName = "OriginLost")]
        public static partial void OriginLost(ILogger logger, string error);

        [LoggerMessage(6, LogLevel.Information, "The origin is back after {Seconds:F1} s.", EventName = "OriginBack")]
        public static partial void OriginBack(ILogger logger, double seconds);

        [LoggerMessage(7, LogLevel.Error, "The origin has been away for {Seconds:F1} s ({Error}): this edge's listeners hear silence.", EventName = "OriginOutage")]
        public static partial void OriginOutage(ILogger logger, double seconds, string error);

        [LoggerMessage(9, LogLevel.Error, "Relaying the origin failed unexpectedly; retrying.", EventName = "OriginRelayFailed")]
        public static partial void RelayFailed(ILogger logger, Exception exception);

        [LoggerMessage(8, LogLevel.Warning, "The origin's stream restarted at position {Position} under this edge's {End}: positions here run on, {Offset} bytes from the origin's.", EventName = "OriginPositionOffset")]
        public static partial void PositionOffset(ILogger logger, long position, long end, long offset);
    }
}
