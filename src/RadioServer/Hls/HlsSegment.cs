namespace RadioServer.Hls;

/// <summary>
/// One media segment: an ID3 tag and whole MP3 frames, cut once from the broadcast buffer and shared by every
/// request. Immutable; its name is unique to this run and its media sequence number, so it may be cached for good.
/// </summary>
internal sealed class HlsSegment(long sequence, string name, long position, long endPosition, long startSample, int frames, double duration, DateTimeOffset programDateTime, string title, long? titlePosition, bool discontinuity, byte[] data)
{
    /// <summary>The media sequence number (EXT-X-MEDIA-SEQUENCE counts these).</summary>
    public long Sequence { get; } = sequence;

    /// <summary>The file name under /hls/.</summary>
    public string Name { get; } = name;

    /// <summary>Stream position (bytes since the station went on air) of the first frame.</summary>
    public long Position { get; } = position;

    /// <summary>Stream position after the last frame.</summary>
    public long EndPosition { get; } = endPosition;

    /// <summary>The first frame's first sample on the stream's clock (samples since the station went on air): its PTS is this at 90 kHz.</summary>
    public long StartSample { get; } = startSample;

    public int Frames { get; } = frames;

    /// <summary>Seconds of audio (EXTINF).</summary>
    public double Duration { get; } = duration;

    /// <summary>EXT-X-PROGRAM-DATE-TIME: the station's clock when the first frame went on air.</summary>
    public DateTimeOffset ProgramDateTime { get; } = programDateTime;

    /// <summary>The title in the segment's ID3 tag (TIT2): the one on air at its end, so a title starts in the segment where its mark falls.</summary>
    public string Title { get; } = title;

    /// <summary>Where <see cref="Title"/> starts when it starts in this segment (its track mark's position); null when it started before.</summary>
    public long? TitlePosition { get; } = titlePosition;

    /// <summary>The stream did not continue from the previous segment (the segmenter lost its place): EXT-X-DISCONTINUITY before it.</summary>
    public bool Discontinuity { get; } = discontinuity;

    /// <summary>The ID3 tag and the frames, as served.</summary>
    public byte[] Data { get; } = data;
}

/// <summary>
/// What the segmenter has cut, as one immutable snapshot replaced whole at each new segment: the segments still
/// served (the playlist's and those that left it recently, RFC 8216 §6.2.2) and the playlist text, rendered once.
/// </summary>
internal sealed class HlsWindow(IReadOnlyList<HlsSegment> retained, int playlistStart, byte[] playlist)
{
    public static readonly HlsWindow Empty = new([], 0, []);

    /// <summary>Every segment still served, oldest first, consecutive sequence numbers.</summary>
    public IReadOnlyList<HlsSegment> Retained { get; } = retained;

    /// <summary>Index in <see cref="Retained"/> of the playlist's first segment.</summary>
    public int PlaylistStart { get; } = playlistStart;

    /// <summary>The rendered playlist (UTF-8); empty before the first segment.</summary>
    public byte[] Playlist { get; } = playlist;

    public int PlaylistCount => Retained.Count - PlaylistStart;

    /// <summary>EXT-X-MEDIA-SEQUENCE: the playlist's first segment's number (0 before any).</summary>
    public long MediaSequence => Retained.Count > PlaylistStart ? Retained[PlaylistStart].Sequence : 0;

    /// <summary>The segment with this sequence number if it is still served.</summary>
    public HlsSegment? Find(long sequence)
    {
        if (Retained.Count == 0)
        {
            return null;
        }
        var index = sequence - Retained[0].Sequence;
        return index >= 0 && index < Retained.Count ? Retained[(int)index] : null;
    }
}
