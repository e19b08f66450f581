using System.Collections.Concurrent;

namespace RadioServer.Operations;

/// <summary>
/// Who is connected to <see cref="OperatorsHub"/>: a count for metrics, and the connections that joined the
/// operators' group, so the dashboard's updates are built only while one watches.
/// </summary>
public sealed class OperatorsPresence
{
    public const string OperatorsGroup = "operators";

    private readonly ConcurrentDictionary<string, byte> _operators = new(StringComparer.Ordinal);
    private int _connections;
    private long _connectsTotal;

    public int Connections => Volatile.Read(ref _connections);

    public long ConnectsTotal => Interlocked.Read(ref _connectsTotal);

    public int Operators => _operators.Count;

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
