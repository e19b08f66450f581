using RadioServer.Library;

namespace RadioServer.Audio;

/// <summary>
/// "What plays next": the only thing the air chain asks of the rest of the station. On air Scheduling's
/// ScheduledPlayout answers it (the show's playlist, automation between shows, dead air's emergency list);
/// tests and benchmarks bring simpler sources without touching the encoder or the listeners.
/// Called on the audio thread: it must answer at once (no I/O beyond a snapshot read).
/// </summary>
internal interface IPlayoutSource
{
    /// <summary>The next track, or null when there is nothing to play (the chain then airs silence).</summary>
    TrackInfo? Next();

    /// <summary>The track could not be decoded; don't offer it again until it changes.</summary>
    void Failed(TrackInfo track);

    /// <summary>
    /// When <paramref name="track"/>, now playing, must end (a hard slot boundary, or a soft one's overrun
    /// limit); null to let it finish. Asked every frame, so it must be cheap.
    /// </summary>
    DateTimeOffset? CutAt(TrackInfo track);
}
