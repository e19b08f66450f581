namespace RadioServer.Hls;

/// <summary>
/// The HLS section of the operators' status (GET /api/status, <c>hls</c>): listeners are unique clients that fetched
/// the playlist within the last two segment lengths; the window is the playlist's.
/// </summary>
public sealed record HlsStatus(bool Enabled, string Playlist, int Listeners, int Peak, long MediaSequence, int Segments, double SegmentSeconds, int TargetDurationSeconds, long PlaylistRequests, long SegmentRequests, long SegmentMisses);
