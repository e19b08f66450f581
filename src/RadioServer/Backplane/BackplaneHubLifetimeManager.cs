using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.AspNetCore.SignalR.StackExchangeRedis;
using Microsoft.Extensions.Options;

namespace RadioServer.Backplane;

/// <summary>
/// A hub's lifetime manager with SignalR's Redis backplane behind it, made so that Redis can never hold up or fail
/// the station. Every connection is kept twice: in a local <see cref="DefaultHubLifetimeManager{THub}"/> (at once;
/// it cannot fail) and in the <see cref="RedisHubLifetimeManager{THub}"/> (in the background, one operation at a time
/// per connection, after Redis is connected). A message to all, a group or a user goes through Redis while it is
/// connected (every node's clients get it, this node's too, from Redis) and to this node's own clients when it is
/// not or when the publish fails; each such message is counted (<see cref="RedisBackplane.PublishFailed"/>). A
/// message to one connection (the hub's <c>Clients.Caller</c>: the state on connect) is always written locally.
/// An edge sends nothing of its own through Redis: while Redis is up its clients get the origin's messages, while it
/// is down they get their own node's. Nothing here throws a Redis failure into a caller, and no call waits for Redis
/// unless Redis is connected (then a publish takes what a Redis round trip takes, and the publishers do not await it).
/// </summary>
internal sealed partial class BackplaneHubLifetimeManager<THub> : HubLifetimeManager<THub>, IDisposable where THub : Hub
{
    private readonly DefaultHubLifetimeManager<THub> _local;
    private readonly RedisHubLifetimeManager<THub> _redis;
    private readonly RedisBackplane _backplane;
    // Redis is a peer on the network, and StackExchange.Redis times its commands on the real clock: so is the wait for
    // it (the station's clock may be a test's fake one, which would never let a stalled Redis go).
    private readonly TimeProvider _network = TimeProvider.System;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, Member> _members = new(StringComparer.Ordinal);

    /// <summary>How long a connect or a group join waits for Redis at most (it goes on in the background after that).</summary>
    internal static readonly TimeSpan SettleLimit = TimeSpan.FromSeconds(1);

    public BackplaneHubLifetimeManager(
        RedisBackplane backplane,
        ILoggerFactory loggers,
        IOptions<RedisOptions> redisOptions,
        IHubProtocolResolver protocols,
        IOptions<HubOptions> globalHubOptions,
        IOptions<HubOptions<THub>> hubOptions)
    {
        _backplane = backplane;
        _logger = loggers.CreateLogger<BackplaneHubLifetimeManager<THub>>();
        _local = new DefaultHubLifetimeManager<THub>(loggers.CreateLogger<DefaultHubLifetimeManager<THub>>());
        _redis = new RedisHubLifetimeManager<THub>(loggers.CreateLogger<RedisHubLifetimeManager<THub>>(), redisOptions, protocols, globalHubOptions, hubOptions);
    }

    /// <summary>To this node's own clients only, whatever Redis is doing (the whole state again after an outage).</summary>
    public Task SendLocalAsync(string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        _local.SendAllAsync(methodName, args, cancellationToken);

    public override async Task OnConnectedAsync(HubConnectionContext connection)
    {
        await _local.OnConnectedAsync(connection);
        var member = new Member(connection);
        _members[connection.ConnectionId] = member;
        member.Then(async () =>
        {
            if (await ConnectedAsync(connection))
            {
                member.Registered = true;
                await Guarded("subscribe the connection", () => _redis.OnConnectedAsync(connection));
            }
        });
        await SettledAsync(member);
    }

    /// <summary>
    /// While Redis is up, a connection's Redis operations take a round trip; waiting for them (a little) means a
    /// client that got its state gets every message published after it too. A slow Redis delays a connect by at most
    /// <see cref="SettleLimit"/>; a Redis that is down not at all.
    /// </summary>
    private async Task SettledAsync(Member member)
    {
        if (!_backplane.IsConnected)
        {
            return;
        }
        try
        {
            await member.Tail.WaitAsync(SettleLimit, _network);
        }
        catch (TimeoutException)
        {
            Log.SlowRedis(_logger, SettleLimit.TotalSeconds);
        }
    }

    public override async Task OnDisconnectedAsync(HubConnectionContext connection)
    {
        await _local.OnDisconnectedAsync(connection);
        if (_members.TryRemove(connection.ConnectionId, out var member))
        {
            // No waiting for Redis: with Redis away the unsubscribes fail, and StackExchange.Redis forgets them anyway.
            member.Then(() => member.Registered ? Guarded("unsubscribe the connection", () => _redis.OnDisconnectedAsync(connection)) : Task.CompletedTask);
        }
    }

    public override async Task AddToGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default)
    {
        await _local.AddToGroupAsync(connectionId, groupName, cancellationToken);
        if (_members.TryGetValue(connectionId, out var member))
        {
            member.Then(() => JoinAsync(member, groupName));
            await SettledAsync(member);
        }
    }

    public override async Task RemoveFromGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default)
    {
        await _local.RemoveFromGroupAsync(connectionId, groupName, cancellationToken);
        if (_members.TryGetValue(connectionId, out var member))
        {
            member.Then(() => member.Registered ? Guarded("leave a group", () => _redis.RemoveFromGroupAsync(connectionId, groupName)) : Task.CompletedTask);
        }
    }

    /// <summary>
    /// Subscribes the connection's group on Redis. A subscription that failed (Redis went away meanwhile) is undone
    /// and made again when Redis is back, or the group's messages from other nodes would never reach this one.
    /// </summary>
    private async Task JoinAsync(Member member, string groupName)
    {
        var connection = member.Connection;
        while (member.Registered && await ConnectedAsync(connection))
        {
            try
            {
                await _redis.AddToGroupAsync(connection.ConnectionId, groupName);
                return;
            }
            catch (Exception ex)
            {
                Log.RedisOperationFailed(_logger, "join a group", ex);
                await Guarded("undo a failed join", () => _redis.RemoveFromGroupAsync(connection.ConnectionId, groupName));
            }
            // Wait for the next outage to end (or the connection to go) before trying again.
            await Task.WhenAny(_backplane.WhenDisconnectedAsync(), Task.Delay(Timeout.Infinite, connection.ConnectionAborted));
        }
    }

    /// <summary>True once Redis is connected; false if the connection closed (or the station stopped) first.</summary>
    private async Task<bool> ConnectedAsync(HubConnectionContext connection)
    {
        try
        {
            await _backplane.WhenConnectedAsync(connection.ConnectionAborted);
            return !connection.ConnectionAborted.IsCancellationRequested;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task Guarded(string what, Func<Task> operation)
    {
        try
        {
            await operation();
        }
        catch (Exception ex)
        {
            Log.RedisOperationFailed(_logger, what, ex);
        }
    }

    public override Task SendAllAsync(string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        Route(methodName, () => _redis.SendAllAsync(methodName, args, cancellationToken), () => _local.SendAllAsync(methodName, args, cancellationToken));

    public override Task SendAllExceptAsync(string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds, CancellationToken cancellationToken = default) =>
        Route(methodName, () => _redis.SendAllExceptAsync(methodName, args, excludedConnectionIds, cancellationToken),
            () => _local.SendAllExceptAsync(methodName, args, excludedConnectionIds, cancellationToken));

    public override Task SendGroupAsync(string groupName, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        Route(methodName, () => _redis.SendGroupAsync(groupName, methodName, args, cancellationToken), () => _local.SendGroupAsync(groupName, methodName, args, cancellationToken));

    public override Task SendGroupsAsync(IReadOnlyList<string> groupNames, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        Route(methodName, () => _redis.SendGroupsAsync(groupNames, methodName, args, cancellationToken), () => _local.SendGroupsAsync(groupNames, methodName, args, cancellationToken));

    public override Task SendGroupExceptAsync(string groupName, string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds, CancellationToken cancellationToken = default) =>
        Route(methodName, () => _redis.SendGroupExceptAsync(groupName, methodName, args, excludedConnectionIds, cancellationToken),
            () => _local.SendGroupExceptAsync(groupName, methodName, args, excludedConnectionIds, cancellationToken));

    public override Task SendUserAsync(string userId, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        Route(methodName, () => _redis.SendUserAsync(userId, methodName, args, cancellationToken), () => _local.SendUserAsync(userId, methodName, args, cancellationToken));

    public override Task SendUsersAsync(IReadOnlyList<string> userIds, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        Route(methodName, () => _redis.SendUsersAsync(userIds, methodName, args, cancellationToken), () => _local.SendUsersAsync(userIds, methodName, args, cancellationToken));

    /// <summary>This node's connection: written here. Another node's: through Redis, if it is up (no hub here does that).</summary>
    public override Task SendConnectionAsync(string connectionId, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        _members.ContainsKey(connectionId) || !_backplane.IsConnected
            ? _local.SendConnectionAsync(connectionId, methodName, args, cancellationToken)
            : Route(methodName, () => _redis.SendConnectionAsync(connectionId, methodName, args, cancellationToken), () => Task.CompletedTask);

    public override Task SendConnectionsAsync(IReadOnlyList<string> connectionIds, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        connectionIds.All(_members.ContainsKey) || !_backplane.IsConnected
            ? _local.SendConnectionsAsync(connectionIds, methodName, args, cancellationToken)
            : Route(methodName, () => _redis.SendConnectionsAsync(connectionIds, methodName, args, cancellationToken),
                () => _local.SendConnectionsAsync(connectionIds, methodName, args, cancellationToken));

    // Client results (a server invoking a client and awaiting its answer) are not used by the station's hubs: local only.
    public override Task<T> InvokeConnectionAsync<T>(string connectionId, string methodName, object?[] args, CancellationToken cancellationToken) =>
        _local.InvokeConnectionAsync<T>(connectionId, methodName, args, cancellationToken);

    public override Task SetConnectionResultAsync(string connectionId, CompletionMessage result) => _local.SetConnectionResultAsync(connectionId, result);

    public override bool TryGetReturnType(string invocationId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Type? type) =>
        _local.TryGetReturnType(invocationId, out type);

    /// <summary>Through Redis while it is connected (an edge: not at all); else, or if the publish fails, to this node's own clients.</summary>
    private Task Route(string methodName, Func<Task> station, Func<Task> local)
    {
        if (!_backplane.IsConnected)
        {
            if (!_backplane.IsEdge)
            {
                _backplane.PublishFailed(methodName, null);
            }
            return local();
        }
        if (_backplane.IsEdge)
        {
            return Task.CompletedTask;
        }
        Task publish;
        try
        {
            publish = station();
        }
        catch (Exception ex)
        {
            _backplane.PublishFailed(methodName, ex);
            return local();
        }
        return publish.IsCompletedSuccessfully ? publish : PublishedAsync(methodName, publish, local);
    }

    private async Task PublishedAsync(string methodName, Task publish, Func<Task> local)
    {
        try
        {
            await publish;
        }
        catch (Exception ex)
        {
            _backplane.PublishFailed(methodName, ex);
            await local();
        }
    }

    public void Dispose()
    {
        try
        {
            _redis.Dispose(); // unsubscribes everything: with Redis away that fails, and there is nothing left to undo
        }
        catch (Exception ex) when (ex is StackExchange.Redis.RedisException or ObjectDisposedException)
        {
            Log.RedisOperationFailed(_logger, "unsubscribe at stop", ex);
        }
    }

    /// <summary>One connection's Redis operations, run one after another in the background so they keep their order.</summary>
    private sealed class Member(HubConnectionContext connection)
    {
        private readonly Lock _gate = new();
        private Task _tail = Task.CompletedTask;

        public HubConnectionContext Connection { get; } = connection;

        /// <summary>Set once the Redis lifetime manager knows the connection (so it must also be told it left).</summary>
        public volatile bool Registered;

        public Task Tail
        {
            get
            {
                lock (_gate)
                {
                    return _tail;
                }
            }
        }

        public void Then(Func<Task> operation)
        {
            lock (_gate)
            {
                _tail = RunAfterAsync(_tail, operation);
            }
        }

        private static async Task RunAfterAsync(Task previous, Func<Task> operation)
        {
            await previous;
            await operation();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Hub backplane: could not {What} on Redis.", EventName = "RedisOperationFailed")]
        public static partial void RedisOperationFailed(ILogger logger, string what, Exception exception);

        [LoggerMessage(2, LogLevel.Warning, "Hub backplane: Redis took over {Seconds} s to register a connection; it goes on in the background.", EventName = "SlowRedis")]
        public static partial void SlowRedis(ILogger logger, double seconds);
    }
}
