using RadioServer.Scheduling;
using RadioServer.Streaming;

namespace RadioServer.NowPlaying;

// The hub's messages (camelCase JSON), documented in docs/api.md; ON AIR is Scheduling's OnAirMessage, NOW PLAYING
// Streaming's TrackMessage. Public because the typed hub client needs them.

/// <summary>
/// The station, as the player page shows it. <see cref="Art"/>: the station's image without its size (<c>/art/{key}</c>,
/// then <c>/96</c> ... <c>/512</c>), shown where a track has no cover and while a show is live.
/// </summary>
public sealed record StationInfo(string Name, string Description, string Genre, string Url, string StreamUrl, int BitrateKbps, double BurstSeconds, string Art);

/// <summary>Health of the stream as listeners experience it.</summary>
public sealed record StreamStatusMessage(string Status, int BitrateKbps, double EncoderLagSeconds, long Underruns, double LiveStreamTime);

/// <summary>
/// LIVE as listeners see it: the live state (off, standby, onAir, dropped), whether a live source is heard, and whose
/// show. <see cref="OnAir"/> is what the stream carries from <see cref="StreamPosition"/> on (where the air chain
/// marked the change between automation and live), so a player shows LIVE when its listener hears it, as with NOW
/// PLAYING; the other fields are the state now. No sources, no addresses.
/// </summary>
public sealed record LiveMessage(string State, bool OnAir, bool Master, string? Host, string? ShowTitle, long StreamPosition, double StreamTime);

/// <summary>
/// Where a player's stream began (its burst's first byte): what <c>StreamStart(tag)</c> answers for the request that
/// carried <c>?t=tag</c>, so the page knows the stream time it plays exactly, not from an estimate of the live edge
/// when it asked.
/// </summary>
public sealed record StreamStartMessage(long StreamPosition, double StreamTime);

/// <summary>Everything at once: sent on connect and returned by <c>GetState</c>.</summary>
public sealed record RadioState(StationInfo Station, OnAirMessage OnAir, TrackMessage? NowPlaying, IReadOnlyList<TrackMessage> Recent, int Listeners, StreamStatusMessage Stream, double LiveStreamTime, DateTimeOffset SentAt, LiveMessage Live);

/// <summary>What the server calls on every connected player.</summary>
public interface IRadioClient
{
    Task State(RadioState state);

    Task NowPlaying(TrackMessage track);

    Task OnAir(OnAirMessage onAir);

    Task Listeners(int count);

    Task StreamStatus(StreamStatusMessage status);

    Task Live(LiveMessage live);
}
