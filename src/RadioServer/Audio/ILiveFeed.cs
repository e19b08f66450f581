using RadioServer.Library;

namespace RadioServer.Audio;

/// <summary>
/// A live source's audio as the air chain takes it: station format, already decoded, read at real time by the
/// chain's thread only (the <see cref="ProgramMixer"/>). Whoever feeds it (the live input) owns the buffering.
/// </summary>
internal interface ILiveFeed
{
    /// <summary>A source is connected and has buffered what it needs to go on air without stuttering.</summary>
    bool Ready { get; }

    /// <summary>What NOW PLAYING says while the source is on air; a new instance whenever it changes.</summary>
    TrackInfo Title { get; }

    /// <summary>How long a source on air may give nothing (dropped, or silent on the wire) before automation comes back.</summary>
    TimeSpan Grace { get; }

    /// <summary>Copies what has arrived into <paramref name="samples"/> (interleaved stereo), at most its length; the count copied.</summary>
    int Read(Span<float> samples);
}

/// <summary>No live input: the air chain plays automation only.</summary>
internal sealed class NoLiveFeed : ILiveFeed
{
    public static readonly NoLiveFeed Instance = new();

    public bool Ready => false;

    public TrackInfo Title { get; } = new("", "", "", "", null, TimeSpan.Zero);

    public TimeSpan Grace => TimeSpan.FromSeconds(3);

    public int Read(Span<float> samples) => 0;
}
