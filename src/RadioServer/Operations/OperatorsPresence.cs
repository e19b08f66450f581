using System.Collections.Concurrent;
using RadioServer.Station;

namespace RadioServer.Operations;

/// <summary>
/// Who is connected to <see cref="OperatorsHub"/>: a count for metrics, and the connections that joined the
/// operators' group, so the dashboard's updates are built only while one watches.
/// </summary>
public sealed class OperatorsPresence : IHubConnections
{
    public const string OperatorsGroup = "operators";

    private readonly ConcurrentDictionary<string, byte> _operators = new(StringComparer.Ordinal);
    private int _connections;
    private long _connectsTotal;
    private readonly RadioServer.Backplane.RedisBackplane _backplane;

    internal OperatorsPresence(RadioServer.Backplane.RedisBackplane backplane) => _backplane = backplane;

    public int Connections => Volatile.Read(ref _connections);

    public long ConnectsTotal => Interlocked.Read(ref _connectsTotal);

    public int Operators => _operators.Count;

    /// <summary>
    /// Whether the operators' pushes are wanted: an operator here, or, on a node that publishes the station's messages
    /// through Redis, possibly one on another node (who watches there is not known here).
    /// </summary>
    public bool Watched => !_operators.IsEmpty || (_backplane.Enabled && !_backplane.IsEdge);

    internal void Connected()
    {
        Interlocked.Increment(ref _connections);
        Interlocked.Increment(ref _connectsTotal);
    }

    internal void Disconnected(string connectionId)
    {
        Interlocked.Decrement(ref _connections);
        _operators.TryRemove(connectionId, out _);
    }

    internal void OperatorJoined(string connectionId) => _operators[connectionId] = 0;
}
