using RadioServer.Library;

namespace RadioServer.Audio;

/// <summary>
/// Live sources as the air chain takes them: decoded to the station format, read at real time, frame by frame, by the
/// chain's thread only (the <see cref="ProgramMixer"/>). The feed decides which source (if any) is on air at each frame
/// — standby, takeover at a slot boundary, drops, silence — on the stream's own clock; the mixer only fades.
/// </summary>
internal interface ILiveFeed
{
    /// <summary>
    /// Called once per frame before anything else: <paramref name="instant"/> is when the frame goes on air on the
    /// stream's clock; <paramref name="automationTrackStarted"/> says an automation track began since the last frame.
    /// </summary>
    void BeginFrame(DateTimeOffset instant, bool automationTrackStarted);

    /// <summary>Whether a live source is to be heard in this frame.</summary>
    bool OnAir { get; }

    /// <summary>What NOW PLAYING says while live is on air; a new instance whenever it changes.</summary>
    TrackInfo Title { get; }

    /// <summary>Copies the on-air source's frame into <paramref name="samples"/> (interleaved stereo); the count copied.</summary>
    int Read(Span<float> samples);

    /// <summary>The frame as it goes on air (after the mix): for the live slot's recording.</summary>
    void EndFrame(ReadOnlySpan<float> program);
}

/// <summary>No live input: the air chain plays automation only.</summary>
internal sealed class NoLiveFeed : ILiveFeed
{
    public static readonly NoLiveFeed Instance = new();

    public bool OnAir => false;

    public TrackInfo Title { get; } = new("", "", "", "", null, TimeSpan.Zero);

    public void BeginFrame(DateTimeOffset instant, bool automationTrackStarted)
    {
    }

    public int Read(Span<float> samples) => 0;

    public void EndFrame(ReadOnlySpan<float> program)
    {
    }
}
