namespace RadioServer.NowPlaying;

// The hub's messages (camelCase JSON), documented in docs/api.md. Public because the typed hub client needs them.

/// <summary>The station, as the player page shows it.</summary>
public sealed record StationInfo(string Name, string Description, string Genre, string Url, string StreamUrl, int BitrateKbps, double BurstSeconds);

/// <summary>A slot of the schedule; start/end carry the station zone's offset, null for automation without a neighbouring show.</summary>
public sealed record SlotMessage(string? ShowId, string Title, IReadOnlyList<string> Hosts, string Description, bool IsAutomation, bool OneOff, DateTimeOffset? Start, DateTimeOffset? End, DateTimeOffset? StartUtc, DateTimeOffset? EndUtc);

/// <summary>ON AIR: the slot on now and the next one.</summary>
public sealed record OnAirMessage(SlotMessage Current, SlotMessage? Next);

/// <summary>
/// NOW PLAYING. <see cref="StreamPosition"/> (bytes) and <see cref="StreamTime"/> (seconds) say where in the
/// stream the track starts, so a player can show it when its listener hears it, not when the server sends it.
/// </summary>
public sealed record TrackMessage(string Artist, string Title, string? Album, double DurationSeconds, DateTimeOffset StartedAt, long StreamPosition, double StreamTime, string DisplayTitle);

/// <summary>Health of the stream as listeners experience it.</summary>
public sealed record StreamStatusMessage(string Status, int BitrateKbps, double EncoderLagSeconds, long Underruns, double LiveStreamTime);

/// <summary>Everything at once: sent on connect and returned by <c>GetState</c>.</summary>
public sealed record RadioState(StationInfo Station, OnAirMessage OnAir, TrackMessage? NowPlaying, IReadOnlyList<TrackMessage> Recent, int Listeners, StreamStatusMessage Stream, double LiveStreamTime, DateTimeOffset SentAt);

/// <summary>What the server calls on every connected player.</summary>
public interface IRadioClient
{
    Task State(RadioState state);

    Task NowPlaying(TrackMessage track);

    Task OnAir(OnAirMessage onAir);

    Task Listeners(int count);

    Task StreamStatus(StreamStatusMessage status);
}
