namespace RadioServer.Audio.Loudness;

/// <summary>
/// The on-air loudness (GET /api/status "loudness", the operators' hub's <c>loudness</c> push): what goes to the
/// encoder, after the limiter. LUFS and dBTP rounded to 0.1; null where there is nothing to measure (silence).
/// <see cref="LimiterGainDb"/> is the limiter's lowest gain over the last 400 ms (0 at rest, negative while it limits).
/// </summary>
public sealed record LoudnessStatus(
    double? MomentaryLufs,
    double? ShortTermLufs,
    double? TruePeakDbtp,
    double? InputTruePeakDbtp,
    double LimiterGainDb,
    double TargetLufs,
    double CeilingDbtp,
    double? ItemLufs,
    double? ItemTruePeakDbtp,
    double LookAheadMs);
