namespace RadioServer.Library.Analysis;

/// <summary>Where a track starts, ends and may be crossfaded, and how loud it comes in and leaves.</summary>
internal readonly record struct Cues(TimeSpan CueIn, TimeSpan? CueOut, TimeSpan? FadeOutStart, double? StartLufs, double? EndLufs);

/// <summary>
/// Cue points from a track's momentary loudness (400 ms windows, one every 100 ms) and its integrated loudness, with
/// Liquidsoap autocue's thresholds relative to the track: cue-in −34 LU, cue-out −42 LU, crossfade start −7 LU, at most
/// 6 s of overlap. Only audio below the threshold is ever cut, and only where it stays low: the trailing stretch must
/// last <see cref="MinTrailingLow"/>, and a quiet stretch that is not silence (above <see cref="SilenceFloorLufs"/>)
/// longer than <see cref="MaxQuietTrim"/> is taken as part of the track (a quiet intro or outro), not trimmed.
/// </summary>
internal static class CuePoints
{
    public const double CueInLu = -34;
    public const double CueOutLu = -42;
    public const double FadeOutLu = -7;

    /// <summary>
    /// BS.1770's absolute gate: a window below it is silence whatever the track, and the thresholds never go under it
    /// (a very quiet track's relative thresholds would otherwise count dither as audio).
    /// </summary>
    public const double SilenceFloorLufs = -70;

    /// <summary>The momentary series' step: one window every 100 ms (10 a second).</summary>
    public static readonly TimeSpan Step = TimeSpan.FromMilliseconds(100);

    /// <summary>The momentary window (BS.1770 / EBU Tech 3341).</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMilliseconds(400);

    /// <summary>Liquidsoap's (and the station's default) longest crossfade: the fade-out start is never earlier than cue-out minus this.</summary>
    public static readonly TimeSpan MaxOverlap = TimeSpan.FromSeconds(6);

    /// <summary>A track's ending is cut only when it stays low this long (a short tail is left as it is).</summary>
    public static readonly TimeSpan MinTrailingLow = TimeSpan.FromSeconds(1);

    /// <summary>The most quiet-but-not-silent audio trimmed at either end; a longer quiet stretch is music and stays.</summary>
    public static readonly TimeSpan MaxQuietTrim = TimeSpan.FromSeconds(10);

    /// <summary>How much of the start (after cue-in) and the end (before the fade-out start) <see cref="Cues.StartLufs"/> and <see cref="Cues.EndLufs"/> measure.</summary>
    public static readonly TimeSpan EdgeSpan = TimeSpan.FromSeconds(3);

    /// <summary>
    /// The cues of a track whose <paramref name="momentary"/> loudness (LUFS; window <c>i</c> ends at
    /// min((i+1)·100 ms, <paramref name="duration"/>)) and <paramref name="integratedLufs"/> were measured.
    /// </summary>
    public static Cues Compute(ReadOnlySpan<float> momentary, double integratedLufs, TimeSpan duration)
    {
        var n = momentary.Length;
        if (n == 0)
        {
            return default;
        }
        var loud = double.IsFinite(integratedLufs);
        var inThreshold = loud ? Math.Max(integratedLufs + CueInLu, SilenceFloorLufs) : SilenceFloorLufs;
        var outThreshold = loud ? Math.Max(integratedLufs + CueOutLu, SilenceFloorLufs) : SilenceFloorLufs;
        var firstSound = FirstAbove(momentary, SilenceFloorLufs);
        if (firstSound < 0)
        {
            return default; // silence throughout: nothing to cut, nothing to measure
        }

        // Cue-in: the start of the block whose arrival lifted the window over the threshold.
        var firstIn = FirstAbove(momentary, inThreshold);
        var cueIn = TimeSpan.Zero;
        if (firstIn > 0)
        {
            // Leading silence goes whole; a quiet (not silent) lead-in only when it is short.
            cueIn = BlockStart(firstIn) - BlockStart(firstSound) <= MaxQuietTrim ? BlockStart(firstIn) : BlockStart(firstSound);
        }

        // Cue-out: the start of the first window that no longer holds any of the track (every later one is below too).
        var lastOut = LastAbove(momentary, outThreshold);
        var lastSound = LastAbove(momentary, SilenceFloorLufs);
        TimeSpan? cueOut = null;
        if (lastOut >= 0 && lastOut < n - 1)
        {
            var atThreshold = FirstWindowStart(lastOut + 1, duration);
            var atSilence = lastSound < n - 1 ? FirstWindowStart(lastSound + 1, duration) : duration;
            var candidate = atSilence - atThreshold <= MaxQuietTrim ? atThreshold : atSilence;
            candidate = Max(candidate, cueIn);
            if (duration - candidate >= MinTrailingLow)
            {
                cueOut = candidate;
            }
        }
        var end = cueOut ?? duration;

        // Fade-out start: where the ending falls under the track's loudness −7 LU for good; null when it never does.
        TimeSpan? fadeOutStart = null;
        if (loud)
        {
            var lastLoud = LastAbove(momentary, integratedLufs + FadeOutLu);
            if (lastLoud >= 0 && lastLoud < n - 1)
            {
                var fall = FirstWindowStart(lastLoud + 1, duration);
                fadeOutStart = Min(Max(Max(fall, end - MaxOverlap), cueIn), end);
            }
        }

        var startLufs = Mean(momentary, cueIn, Min(cueIn + EdgeSpan, end), duration);
        var leaving = fadeOutStart ?? end;
        var endLufs = Mean(momentary, Max(leaving - EdgeSpan, cueIn), leaving, duration);
        return new Cues(cueIn, cueOut, fadeOutStart, startLufs, endLufs);
    }

    /// <summary>
    /// The loudness of [<paramref name="from"/>, <paramref name="to"/>] as the mean energy of the windows inside it (a
    /// short-term loudness for a 3 s span, ungated); the windows ending in it when none fits whole; null when silent.
    /// </summary>
    private static double? Mean(ReadOnlySpan<float> momentary, TimeSpan from, TimeSpan to, TimeSpan duration)
    {
        double sum = 0, sumAny = 0;
        int count = 0, countAny = 0;
        for (var i = 0; i < momentary.Length; i++)
        {
            var windowEnd = WindowEnd(i, duration);
            if (windowEnd <= from || windowEnd > to)
            {
                continue;
            }
            var energy = double.IsFinite(momentary[i]) ? Math.Pow(10, momentary[i] / 10.0) : 0;
            sumAny += energy;
            countAny++;
            if (windowEnd - Window >= from - TimeSpan.FromMilliseconds(1))
            {
                sum += energy;
                count++;
            }
        }
        var (total, windows) = count > 0 ? (sum, count) : (sumAny, countAny);
        return windows == 0 || total <= 0 ? null : Math.Round(10 * Math.Log10(total / windows), 2);
    }

    private static int FirstAbove(ReadOnlySpan<float> momentary, double threshold)
    {
        for (var i = 0; i < momentary.Length; i++)
        {
            if (momentary[i] > threshold)
            {
                return i;
            }
        }
        return -1;
    }

    private static int LastAbove(ReadOnlySpan<float> momentary, double threshold)
    {
        for (var i = momentary.Length - 1; i >= 0; i--)
        {
            if (momentary[i] > threshold)
            {
                return i;
            }
        }
        return -1;
    }

    private static TimeSpan BlockStart(int i) => Step * i;

    private static TimeSpan WindowEnd(int i, TimeSpan duration) => Min(Step * (i + 1), duration);

    /// <summary>Where window <paramref name="i"/> begins (not before the track).</summary>
    private static TimeSpan FirstWindowStart(int i, TimeSpan duration) => Max(WindowEnd(i, duration) - Window, TimeSpan.Zero);

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
