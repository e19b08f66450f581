namespace RadioServer.Live.Recording;

/// <summary>The slot a recording belongs to: one file per slot, across the host's reconnects.</summary>
/// <param name="ShowId">The show's id (the recording's folder).</param>
/// <param name="ShowTitle">The show's title (the file's album/title tags).</param>
/// <param name="Hosts">Who was live (the artist tag).</param>
/// <param name="SlotStartUtc">The slot's start, the recording's key.</param>
/// <param name="SlotStartStation">The same instant in station time (the file's name: <c>yyyy-MM-dd_HHmm</c>).</param>
internal sealed record RecordingSlot(string ShowId, string ShowTitle, IReadOnlyList<string> Hosts, DateTimeOffset SlotStartUtc, DateTimeOffset SlotStartStation);

/// <summary>
/// Records live slots as they went on air. Called on the air chain's thread only, and never blocks it: the
/// encoding and the disk are another thread's; a full or failing disk stops the recording (with an alarm), never the air.
/// </summary>
internal interface ILiveRecorder
{
    /// <summary>Starts recording <paramref name="slot"/>, or goes on with its file when it is the slot being recorded (a reconnect).</summary>
    void Begin(RecordingSlot slot);

    /// <summary>One frame of the programme as it goes on air (station format, interleaved stereo); ignored when not recording.</summary>
    void Write(ReadOnlySpan<float> frame);

    /// <summary>The slot's recording is complete: the file is finished, tagged and given its final name.</summary>
    void End();
}

/// <summary>No recording.</summary>
internal sealed class NoLiveRecorder : ILiveRecorder
{
    public static readonly NoLiveRecorder Instance = new();

    public void Begin(RecordingSlot slot)
    {
    }

    public void Write(ReadOnlySpan<float> frame)
    {
    }

    public void End()
    {
    }
}
