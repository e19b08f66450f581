namespace RadioServer.Operations;

/// <summary>
/// The operators' dashboard state: the status, the last hour of listener counts (one point every
/// 10 s), recent plays and the listener table. Returned to an operator joining <see cref="OperatorsHub"/>'s operators' group.
/// </summary>
public sealed class OperatorDesk
{
    internal const int TableLimit = 200;
    internal static readonly TimeSpan SeriesInterval = TimeSpan.FromSeconds(10);
    private const int SeriesPoints = 360; // one hour

    private readonly StationStatus _status;
    private readonly PlayHistory _history;
    private readonly Lock _gate = new();
    private readonly Queue<ListenerPoint> _series = new();

    internal OperatorDesk(StationStatus status, PlayHistory history)
    {
        _status = status;
        _history = history;
    }

    public OperatorState State()
    {
        var (table, total) = _status.Listeners(TableLimit);
        ListenerPoint[] series;
        lock (_gate)
        {
            series = [.. _series];
        }
        return new OperatorState(_status.Report(), series, _history.Recent(20), table, total);
    }

    internal OperatorUpdate Update(ListenerPoint point)
    {
        var (table, total) = _status.Listeners(TableLimit);
        return new OperatorUpdate(_status.Report(), point, table, total);
    }

    internal void Sample(ListenerPoint point)
    {
        lock (_gate)
        {
            _series.Enqueue(point);
            while (_series.Count > SeriesPoints)
            {
                _series.Dequeue();
            }
        }
    }
}
