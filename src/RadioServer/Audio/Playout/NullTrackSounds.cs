using RadioServer.Library;

namespace RadioServer.Audio.Playout;

/// <summary>No analysis at all (none registered): every item at unity gain, no cue points, no crossfades.</summary>
internal sealed class NullTrackSounds : ITrackSounds
{
    public static readonly NullTrackSounds Instance = new();

    public TrackSound? Find(TrackInfo track) => null;
}
