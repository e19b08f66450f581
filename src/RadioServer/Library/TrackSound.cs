namespace RadioServer.Library;

/// <summary>Where a track's <see cref="TrackSound"/> came from.</summary>
internal enum TrackSoundSource
{
    /// <summary>Measured here (EBU R128 analysis, with cue points).</summary>
    Analysis,

    /// <summary>From its ReplayGain 2.0 / R128 tags while it waits for its analysis (no cue points).</summary>
    Tags,
}

/// <summary>
/// How a track sounds, from the library's analysis (or its tags): what normalisation and crossfades need. Times are
/// from the start of the decoded audio (after the decoder's gapless trim). Levels in LUFS are ITU-R BS.1770-4.
/// </summary>
/// <param name="IntegratedLufs">Integrated loudness of the whole track, LUFS (negative infinity: silent).</param>
/// <param name="LoudnessRange">Loudness range, LU (0 when unknown).</param>
/// <param name="TruePeakDbtp">True peak, dBTP (null when unknown, e.g. from tags without a peak).</param>
/// <param name="CueIn">Where the audio starts: leading silence (below the cue-in threshold) cut. Zero when unknown.</param>
/// <param name="CueOut">Where the audio ends: trailing silence cut. Null when unknown (play to the end).</param>
/// <param name="FadeOutStart">Where the ending falls low enough that the next item may start over it (null: at cue-out).</param>
/// <param name="StartLufs">Short-term loudness just after cue-in, LUFS (null when unknown): how hard the track comes in.</param>
/// <param name="EndLufs">Short-term loudness just before the fade-out start, LUFS (null when unknown): how it leaves.</param>
/// <param name="Source">Measured or from tags.</param>
internal sealed record TrackSound(
    double IntegratedLufs,
    double LoudnessRange,
    double? TruePeakDbtp,
    TimeSpan CueIn,
    TimeSpan? CueOut,
    TimeSpan? FadeOutStart,
    double? StartLufs,
    double? EndLufs,
    TrackSoundSource Source);

/// <summary>
/// The library's sound analysis, as the air chain reads it. <see cref="Find"/> is called on the audio thread when an
/// item is opened and must answer at once (an in-memory lookup, no I/O).
/// </summary>
internal interface ITrackSounds
{
    /// <summary>The track's analysis, else its tag gain, else null (play at unity gain, no cue points).</summary>
    TrackSound? Find(TrackInfo track);
}
