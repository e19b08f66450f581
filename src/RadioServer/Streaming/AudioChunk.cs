namespace RadioServer.Streaming;

/// <summary>
/// A run of whole MP3 frames as the encoder produced them, at an absolute stream position. Immutable
/// and shared by reference with every listener: the audio is encoded and stored once.
/// </summary>
internal sealed class AudioChunk(long sequence, long position, byte[] data, int frames, TrackMark track)
{
    public long Sequence { get; } = sequence;

    /// <summary>Byte offset of the first byte in the stream (bytes since the station went on air).</summary>
    public long Position { get; } = position;

    public byte[] Data { get; } = data;

    public int Frames { get; } = frames;

    /// <summary>The title on air in this chunk.</summary>
    public TrackMark Track { get; } = track;

    public long EndPosition => Position + Data.Length;
}
