using RadioServer.Library;

namespace RadioServer.Streaming;

/// <summary>
/// "This title starts here": a track (or station silence when <see cref="Track"/> is null) with the
/// stream position where it starts. Immutable and shared by every chunk and listener, so its ICY block
/// is encoded once.
/// </summary>
internal sealed class TrackMark(TrackInfo? track, string streamTitle, long position, DateTimeOffset startedAt)
{
    public TrackInfo? Track { get; } = track;

    public string StreamTitle { get; } = streamTitle;

    /// <summary>Byte offset in the stream (bytes since the station went on air) of the chunk where this title starts.</summary>
    public long Position { get; } = position;

    public DateTimeOffset StartedAt { get; } = startedAt;

    /// <summary>The whole ICY metadata block (length byte included) announcing this title.</summary>
    public byte[] IcyBlock { get; } = IcyMetadata.Encode(streamTitle);
}
