using System.Net.Sockets;
using Microsoft.Extensions.Options;
using RadioServer.Edges;
using RadioServer.Station;
using StackExchange.Redis;

namespace RadioServer.Backplane;

/// <summary>
/// The one Redis connection both hubs' backplanes share, and what the station knows of it: connected or not (both of
/// StackExchange.Redis's connections, the one that publishes and the one that subscribes, must be up), the messages
/// that could not reach the other nodes, and a <see cref="Restored"/> event when Redis is back. Connecting never
/// holds up the start (AbortOnConnectFail off: the multiplexer keeps retrying in the background), and while Redis is
/// down a publish fails at once instead of queueing (BacklogPolicy.FailFast), so the hubs fall back to their own
/// clients without waiting. Disabled (no <c>Radio:Redis</c>): never connected, nothing counted.
/// </summary>
internal sealed partial class RedisBackplane : IHostedService, IMetricSource, IAsyncDisposable
{
    private readonly BackplaneOptions _options;
    private readonly bool _edge;
    private readonly ConfigurationOptions? _configuration;
    private readonly TimeProvider _time;
    private readonly ILogger<RedisBackplane> _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _disconnected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lazy<Task<ConnectionMultiplexer?>> _connection;
    private bool _interactiveUp;
    private bool _subscriptionUp;
    private long _publishFailures;
    private long _lostSinceDown;
    private long _restores;
    private int _disposed;
    private int _everConnected;
    private bool _stopped;
    private DateTimeOffset? _downSince;
    private string? _lastError;
    private DateTimeOffset? _lastErrorAt;

    public RedisBackplane(IOptions<BackplaneOptions> options, IOptions<EdgeOptions> edges, IOptions<RadioOptions> radio, TimeProvider time, ILogger<RedisBackplane> logger)
    {
        _options = options.Value;
        _edge = edges.Value.IsEdge;
        _time = time;
        _logger = logger;
        ChannelPrefix = _options.Enabled ? _options.ChannelPrefixFor(radio.Value.StationName) : null;
        _connection = new(() =>
        {
            Log.Connecting(_logger, string.Join(", ", _configuration!.EndPoints), ChannelPrefix!);
            return ConnectAsync();
        });
        if (_options.Enabled)
        {
            var configuration = ConfigurationOptions.Parse(_options.Redis!);
            // The station never waits for Redis: start without it, keep trying, and fail a publish at once while it
            // is away (the hubs then serve their own clients) rather than queue it behind a dead connection.
            configuration.AbortOnConnectFail = false;
            configuration.BacklogPolicy = BacklogPolicy.FailFast;
            if (!_options.Redis!.Contains("connectRetry", StringComparison.OrdinalIgnoreCase))
            {
                configuration.ConnectRetry = 3;
            }
            if (!_options.Redis.Contains("connectTimeout", StringComparison.OrdinalIgnoreCase))
            {
                configuration.ConnectTimeout = 2000;
            }
            // Back in 0.5 s, then longer, at most 10 s apart: a restarted Redis is used again within a second or two.
            configuration.ReconnectRetryPolicy = new ExponentialRetry(500, 10_000);
            configuration.ChannelPrefix = RedisChannel.Literal(ChannelPrefix!);
            configuration.ClientName ??= $"radioserver-{Environment.MachineName}";
            _configuration = configuration;
        }
        else
        {
            _connected.TrySetCanceled();
        }
    }

    public bool Enabled => _options.Enabled;

    /// <summary>What the SignalR Redis lifetime managers are told (their connection comes from <see cref="MultiplexerAsync"/>).</summary>
    internal ConfigurationOptions? Configuration => _configuration;

    /// <summary>
    /// This node is an edge (<see cref="EdgeOptions.IsEdge"/>, <c>Radio:Origin</c> set): its hubs leave the station's
    /// messages to the origin while Redis is up; see docs/scaling.md.
    /// </summary>
    public bool IsEdge => _edge;

    public string? ChannelPrefix { get; }

    public bool IsConnected
    {
        get
        {
            lock (_gate)
            {
                return _interactiveUp && _subscriptionUp;
            }
        }
    }

    public long PublishFailures => Interlocked.Read(ref _publishFailures);

    /// <summary>Raised (on a pool thread) when Redis is back after an outage: the place to give clients the whole state again.</summary>
    public event Action? Restored;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_configuration is not null)
        {
            Connecting();
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// Closes the connection at stop, before the hubs' lifetime managers are disposed: theirs would unsubscribe every
    /// channel one by one and wait for each answer (seconds, after a reconnect); closed, that fails at once. What is
    /// still sent until the end goes to this node's clients.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping.Cancel();
        lock (_gate)
        {
            _interactiveUp = _subscriptionUp = false;
            _stopped = true;
        }
        // A first connect still under way (Redis away at start) is not waited for here; DisposeAsync ends it.
        if (_connection.IsValueCreated && _connection.Value.IsCompletedSuccessfully && _connection.Value.Result is { } multiplexer)
        {
            await multiplexer.CloseAsync(allowCommandsToComplete: false);
        }
    }

    /// <summary>The connection under way, started at the first call (at start, or by a hub that came first).</summary>
    private Task<ConnectionMultiplexer?> Connecting() => _connection.Value;

    private async Task<ConnectionMultiplexer?> ConnectAsync()
    {
        try
        {
            var multiplexer = await ConnectionMultiplexer.ConnectAsync(_configuration!);
            multiplexer.ConnectionFailed += (_, e) => Changed(e.ConnectionType, up: false, e.Exception);
            multiplexer.ConnectionRestored += (_, e) => Changed(e.ConnectionType, up: true, null);
            if (multiplexer.IsConnected)
            {
                Changed(ConnectionType.Interactive, up: true, null);
                Changed(ConnectionType.Subscription, up: true, null);
            }
            else
            {
                Down(new RedisConnectionException(ConnectionFailureType.UnableToConnect, "Redis did not answer at start."));
            }
            return multiplexer;
        }
        catch (Exception ex) when (ex is RedisException or SocketException or IOException)
        {
            // Only a configuration problem gets here (AbortOnConnectFail is off): the hubs stay local.
            Log.ConnectFailed(_logger, ex);
            Down(ex);
            return null;
        }
    }

    /// <summary>
    /// The shared multiplexer for SignalR's Redis lifetime managers, once Redis has answered: they subscribe as soon
    /// as they get it, and a subscription made while Redis is away would be lost.
    /// </summary>
    public async Task<IConnectionMultiplexer> MultiplexerAsync()
    {
        var multiplexer = _configuration is null ? null : await Connecting();
        if (multiplexer is null)
        {
            throw new InvalidOperationException("The Redis backplane could not be set up (RedisConnectFailed in the log); the hubs stay local.");
        }
        await WhenConnectedAsync(_stopping.Token);
        return multiplexer;
    }

    /// <summary>Completes when Redis is connected (at once if it is); cancelled with <paramref name="cancellationToken"/> or at stop.</summary>
    public Task WhenConnectedAsync(CancellationToken cancellationToken)
    {
        Task connected;
        lock (_gate)
        {
            connected = _connected.Task;
        }
        return connected.IsCompleted ? connected : connected.WaitAsync(cancellationToken);
    }

    /// <summary>Completes when Redis is next lost (at once while it is down).</summary>
    public Task WhenDisconnectedAsync()
    {
        lock (_gate)
        {
            return _disconnected.Task;
        }
    }

    private void Changed(ConnectionType type, bool up, Exception? error)
    {
        bool wasUp, isUp;
        lock (_gate)
        {
            if (_stopped)
            {
                return;
            }
            wasUp = _interactiveUp && _subscriptionUp;
            if (type is ConnectionType.Interactive or ConnectionType.None)
            {
                _interactiveUp = up;
            }
            if (type is ConnectionType.Subscription or ConnectionType.None)
            {
                _subscriptionUp = up;
            }
            isUp = _interactiveUp && _subscriptionUp;
        }
        if (wasUp && !isUp)
        {
            Down(error);
        }
        else if (!wasUp && isUp)
        {
            Up();
        }
    }

    private void Down(Exception? error)
    {
        DateTimeOffset since;
        lock (_gate)
        {
            if (_downSince is not null)
            {
                return; // already down
            }
            if (_connected.Task.IsCompleted)
            {
                _connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            _disconnected.TrySetResult();
            since = _time.GetUtcNow();
            _downSince = since;
            _lostSinceDown = 0;
            if (error is not null)
            {
                _lastError = error.Message;
                _lastErrorAt = since;
            }
        }
        Log.Lost(_logger, error?.Message ?? "connection closed", error);
    }

    private void Up()
    {
        DateTimeOffset? since;
        long lost;
        lock (_gate)
        {
            since = _downSince;
            lost = _lostSinceDown;
            _downSince = null;
            _lostSinceDown = 0;
            _connected.TrySetResult();
            if (_disconnected.Task.IsCompleted)
            {
                _disconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
        if (Interlocked.Exchange(ref _everConnected, 1) == 0)
        {
            Log.Connected(_logger, ChannelPrefix!);
        }
        else
        {
            Interlocked.Increment(ref _restores);
            Log.Restored(_logger, (_time.GetUtcNow() - (since ?? _time.GetUtcNow())).TotalSeconds, lost);
        }
        // Players that connected while Redis was away (at start too) missed what the other nodes published.
        Restored?.Invoke();
    }

    /// <summary>A message of <paramref name="method"/> that the other nodes did not get (Redis down or failing); this node's clients did.</summary>
    public void PublishFailed(string method, Exception? error)
    {
        Interlocked.Increment(ref _publishFailures);
        lock (_gate)
        {
            _lostSinceDown++;
            if (error is not null)
            {
                _lastError = error.Message;
                _lastErrorAt = _time.GetUtcNow();
            }
        }
        Log.PublishFailed(_logger, method, error?.Message ?? "Redis is not connected");
    }

    public BackplaneStatus Status()
    {
        lock (_gate)
        {
            return new BackplaneStatus(Enabled, Enabled && _interactiveUp && _subscriptionUp, ChannelPrefix, Enabled && !IsEdge,
                Interlocked.Read(ref _publishFailures), Interlocked.Read(ref _restores), _downSince, _lastError, _lastErrorAt);
        }
    }

    public void Describe(IMetricsBuilder metrics)
    {
        metrics.Gauge("radio_redis_connected", "1 while the hubs' Redis backplane is connected, 0 while not (or not configured).", () => Enabled && IsConnected ? 1 : 0);
        metrics.Counter("radio_redis_publish_failures_total", "Hub messages the other nodes did not get because Redis was down or failing (this node's own clients got them).", () => PublishFailures);
        metrics.Counter("radio_redis_reconnects_total", "Times the Redis backplane came back after an outage (each node then sent its clients the whole state).", () => Interlocked.Read(ref _restores));
    }

    public async ValueTask DisposeAsync()
    {
        // Registered once but handed out three ways (itself, a hosted service, a metric source): disposed as often.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        _stopping.Cancel();
        if (_connection.IsValueCreated && await _connection.Value is { } multiplexer)
        {
            await multiplexer.DisposeAsync();
        }
        _stopping.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Hub backplane: connecting to Redis at {EndPoints}, channel prefix '{ChannelPrefix}'.", EventName = "RedisConnecting")]
        public static partial void Connecting(ILogger logger, string endPoints, string channelPrefix);

        [LoggerMessage(2, LogLevel.Information, "Hub backplane: Redis connected (channel prefix '{ChannelPrefix}').", EventName = "RedisConnected")]
        public static partial void Connected(ILogger logger, string channelPrefix);

        [LoggerMessage(3, LogLevel.Warning, "Hub backplane: Redis lost ({Reason}); each node's hubs reach only its own clients until it is back.", EventName = "RedisLost")]
        public static partial void Lost(ILogger logger, string reason, Exception? exception);

        [LoggerMessage(4, LogLevel.Warning, "Hub backplane: Redis back after {Seconds:F1} s; {Lost} messages did not reach the other nodes; clients get the whole state again.", EventName = "RedisRestored")]
        public static partial void Restored(ILogger logger, double seconds, long lost);

        [LoggerMessage(5, LogLevel.Debug, "Hub backplane: {Method} reached only this node's clients: {Reason}.", EventName = "RedisPublishFailed")]
        public static partial void PublishFailed(ILogger logger, string method, string reason);

        [LoggerMessage(6, LogLevel.Error, "Hub backplane: Redis cannot be used; the hubs stay local.", EventName = "RedisConnectFailed")]
        public static partial void ConnectFailed(ILogger logger, Exception exception);
    }
}
