namespace RadioServer.Operations;

/// <summary>The last alarms raised or cleared (dead air, history database), newest first, for status and the dashboard.</summary>
internal sealed class AlarmLog
{
    private const int Keep = 50;
    private readonly Lock _gate = new();
    private readonly LinkedList<AlarmMessage> _alarms = new();

    public void Add(AlarmMessage alarm)
    {
        lock (_gate)
        {
            _alarms.AddFirst(alarm);
            while (_alarms.Count > Keep)
            {
                _alarms.RemoveLast();
            }
        }
    }

    public IReadOnlyList<AlarmMessage> Recent()
    {
        lock (_gate)
        {
            return [.. _alarms];
        }
    }
}
