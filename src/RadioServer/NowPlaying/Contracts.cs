using RadioServer.Scheduling;

namespace RadioServer.NowPlaying;

// The hub's messages (camelCase JSON), documented in docs/api.md. Public because the typed hub client needs them.

/// <summary>The station, as the player page shows it.</summary>
public sealed record StationInfo(string Name, string Description, string Genre, string Url, string StreamUrl, int BitrateKbps, double BurstSeconds);

/// <summary>ON AIR: the slot on now and the next one.</summary>
public sealed record OnAirMessage(SlotDto Current, SlotDto? Next);

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
