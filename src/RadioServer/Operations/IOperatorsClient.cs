using RadioServer.Live;

namespace RadioServer.Operations;

/// <summary>What the server calls on the operators' dashboards that joined the operators' group of <see cref="OperatorsHub"/>.</summary>
public interface IOperatorsClient
{
    /// <summary>The whole status, the latest listener point and the listener table: once a second while an operator watches.</summary>
    Task OperatorUpdate(OperatorUpdate update);

    /// <summary>An alarm raised or cleared.</summary>
    Task Alarm(AlarmMessage alarm);

    /// <summary>A play written to the history.</summary>
    Task Played(HistoryEntry entry);

    /// <summary>The live status with the sources and their addresses: on a change, and while a source is connected (its level), at most four times a second.</summary>
    Task Live(LiveStatus live);

    /// <summary>The on-air loudness (the dashboard's meter): five times a second while an operator watches.</summary>
    Task Loudness(RadioServer.Audio.Loudness.LoudnessStatus loudness);
}
