namespace RadioServer.Station;

/// <summary>
/// One SignalR hub's connections (the players' hub, the operators' hub), for what adds them up (metrics, the
/// collection after a connection wave) without knowing whose hub it is, so no feature reaches into another for a count.
/// </summary>
internal interface IHubConnections
{
    int Connections { get; }

    long ConnectsTotal { get; }
}
