namespace RadioServer.Audio;

/// <summary>
/// Real-time pacing from one start timestamp: the samples due are always elapsed x rate, so timer
/// jitter and late wake-ups never accumulate into drift.
/// </summary>
internal sealed class Pacer(TimeProvider time, int sampleRate)
{
    private long _start = time.GetTimestamp();
    private long _offsetSamples;

    /// <summary>Samples (per channel) that should have been produced by now.</summary>
    public long SamplesDue => _offsetSamples + SamplesIn(time.GetElapsedTime(_start));

    /// <summary>How long until <paramref name="samples"/> fall due (zero or less: already due).</summary>
    public TimeSpan UntilDue(long samples)
    {
        // Rounded up, so that once this time has passed SamplesDue has reached the count.
        var dueAt = TimeSpan.FromTicks((long)((((Int128)(samples - _offsetSamples) * TimeSpan.TicksPerSecond) + sampleRate - 1) / sampleRate));
        return dueAt - time.GetElapsedTime(_start);
    }

    /// <summary>Starts counting afresh from now, keeping <paramref name="produced"/> as the sample count already made (after a stall too long to catch up).</summary>
    public void Restart(long produced)
    {
        _start = time.GetTimestamp();
        _offsetSamples = produced;
    }

    private long SamplesIn(TimeSpan elapsed) => (long)((Int128)elapsed.Ticks * sampleRate / TimeSpan.TicksPerSecond);
}
