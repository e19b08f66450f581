using RadioServer.Library;

namespace RadioServer.Streaming;

/// <summary>
/// "This title starts here": a track (or station silence when <see cref="Track"/> is null) with the
/// stream position where it starts. Immutable and shared by every chunk and listener, so its ICY block
/// is encoded once.
/// </summary>
internal sealed class TrackMark(TrackInfo? track, string streamTitle, long position, DateTimeOffset startedAt, long? heardPosition = null)
{
    public TrackInfo? Track { get; } = track;

    public string StreamTitle { get; } = streamTitle;

    /// <summary>Byte offset in the stream (bytes since the station went on air) of the chunk where this title starts.</summary>
    public long Position { get; } = position;

    /// <summary>
    /// Where in the stream a player's decoder puts out the title's first sound (bytes at the CBR rate): later than
    /// <see cref="Position"/>, which is the start of the chunk the title's first frame was published in, by where in
    /// that chunk the title began and by the encoder's delay. NOW PLAYING waits for this one; ICY changes at the chunk.
    /// </summary>
    public long HeardPosition { get; } = heardPosition ?? position;

    public DateTimeOffset StartedAt { get; } = startedAt;

    /// <summary>The whole ICY metadata block (length byte included) announcing this title.</summary>
    public byte[] IcyBlock { get; } = IcyMetadata.Encode(streamTitle);
}
