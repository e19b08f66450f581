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

    /// <summary>
    /// The next track, chosen early, for a transition: it starts under the ending of the current one, which ends at
    /// <paramref name="currentEnds"/>. A schedule chooses for that instant (the show a soft boundary starts, not one more
    /// automation track); the item counts as started then. Sources without a clock need not care.
    /// </summary>
    TrackInfo? Next(DateTimeOffset currentEnds) => Next();

    /// <summary>The track could not be decoded; don't offer it again until it changes.</summary>
    void Failed(TrackInfo track);

    /// <summary>
    /// When <paramref name="track"/>, now playing, must end (a hard slot boundary, or a soft one's overrun
    /// limit); null to let it finish. Asked every frame, so it must be cheap.
    /// </summary>
    DateTimeOffset? CutAt(TrackInfo track);

    /// <summary>
    /// The longest crossfade into and out of <paramref name="track"/> (the show's or automation's <c>crossfade</c>):
    /// null for the station's <c>Radio:Sound:CrossfadeSeconds</c>, zero for none. Asked when an item opens and at its end.
    /// </summary>
    TimeSpan? CrossfadeFor(TrackInfo track);
}
