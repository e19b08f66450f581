namespace RadioServer.Audio.Playout;

/// <summary>How one item gives way to the next.</summary>
internal enum TransitionKind
{
    /// <summary>Back to back at the first item's cue-out, no fade: crossfades off, or a side without analysis.</summary>
    Join,

    /// <summary>No overlap: a short fade-out at the end of the first item, then the next at full level (levels too far apart, or a jingle).</summary>
    Sequence,

    /// <summary>Overlapped, the ending fading out and the start fading in (equal power).</summary>
    Crossfade,

    /// <summary>Overlapped, the ending fading out under a start that comes in at full level (a loud start after a quiet end).</summary>
    FadeOutOnly,

    /// <summary>Overlapped, the start fading in under an ending left as it is (a quiet start under a louder, but not loud, end).</summary>
    FadeInOnly,
}

/// <summary>
/// A transition, counted in sample frames of the outgoing item's own timeline (from its cue-in).
/// </summary>
/// <param name="Kind">Which transition.</param>
/// <param name="Overlap">Frames the two items sound together (0 for Join and Sequence).</param>
/// <param name="FadeOut">Frames the outgoing item fades out over, ending at its cue-out (0: none).</param>
/// <param name="FadeIn">Frames the incoming item fades in over, from its cue-in (0: none).</param>
internal readonly record struct Transition(TransitionKind Kind, long Overlap, long FadeOut, long FadeIn)
{
    public static readonly Transition None = new(TransitionKind.Join, 0, 0, 0);

    /// <summary>
    /// Frames after the overlap's start at which the incoming item becomes the louder of the two, where NOW PLAYING
    /// changes: the middle of an equal-power crossfade (both at −3 dB), the start when it comes in at full level, the
    /// end of the overlap when it fades in under an ending left as it is.
    /// </summary>
    public long AnnounceAfter => Kind switch
    {
        TransitionKind.Crossfade => Overlap / 2,
        TransitionKind.FadeInOnly => Overlap,
        _ => 0,
    };
}

/// <summary>
/// The smart rules for a transition, after Liquidsoap's <c>cross.smart</c> (high −15 dB, medium −32 dB, margin 4 dB in its
/// defaults), on the levels as they go on air (after normalisation), relative to the station's target so they hold for
/// any <c>Radio:Sound:TargetLufs</c>: quiet is 16 LU under the target (−32 LUFS at −16), loud 1 LU over it (−15).
/// </summary>
internal static class TransitionRules
{
    /// <summary>Under this (relative to the target) a side counts as quiet: Liquidsoap's medium, −32 at a −16 target.</summary>
    public const double QuietBelowTarget = 16;

    /// <summary>Over this (relative to the target) a side counts as loud: Liquidsoap's high, −15 at a −16 target.</summary>
    public const double LoudAboveTarget = 1;

    /// <summary>Levels closer than this are "close"; one side this much louder is "louder" (Liquidsoap's margin).</summary>
    public const double Margin = 4;

    /// <summary>An ending louder than the start by more than this would mask it: sequence, not a fade-in under it.</summary>
    public const double FarApart = 10;

    /// <summary>
    /// The kind for an ending at <paramref name="endLufs"/> and a start at <paramref name="startLufs"/> (on air, LUFS).
    /// Both quiet: full crossfade. A start louder by the margin (the end not loud): the end fades out under the start at
    /// full level. An end louder by the margin, neither loud nor the start quiet: the start fades in under the end.
    /// Close levels, neither quiet nor loud: full crossfade (where Liquidsoap sequences: our overlap begins only where the
    /// analysis found the ending falling). Anything else (a loud end into a quiet start, a loud end, levels far apart
    /// the wrong way): sequence.
    /// </summary>
    public static TransitionKind Choose(double endLufs, double startLufs, double targetLufs)
    {
        var quiet = targetLufs - QuietBelowTarget;
        var loud = targetLufs + LoudAboveTarget;
        if (endLufs <= quiet && startLufs <= quiet)
        {
            return TransitionKind.Crossfade;
        }
        if (startLufs >= endLufs + Margin && endLufs <= loud)
        {
            return TransitionKind.FadeOutOnly;
        }
        if (endLufs >= startLufs + Margin && endLufs - startLufs <= FarApart && startLufs > quiet && endLufs <= loud)
        {
            return TransitionKind.FadeInOnly;
        }
        if (Math.Abs(endLufs - startLufs) < Margin && endLufs > quiet && startLufs > quiet && endLufs <= loud && startLufs <= loud)
        {
            return TransitionKind.Crossfade;
        }
        return TransitionKind.Sequence;
    }
}
