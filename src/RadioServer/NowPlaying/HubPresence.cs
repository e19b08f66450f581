namespace RadioServer.NowPlaying;

/// <summary>How many players are connected to <see cref="RadioHub"/>, for metrics.</summary>
public sealed class HubPresence
{
    private int _connections;
    private long _connectsTotal;

    public int Connections => Volatile.Read(ref _connections);

    public long ConnectsTotal => Interlocked.Read(ref _connectsTotal);

    internal void Connected()
    {
        Interlocked.Increment(ref _connections);
        Interlocked.Increment(ref _connectsTotal);
    }

    internal void Disconnected() => Interlocked.Decrement(ref _connections);
}
