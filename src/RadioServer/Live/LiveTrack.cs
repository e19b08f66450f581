using RadioServer.Library;

namespace RadioServer.Live;

/// <summary>
/// How a live item shows in what the air chain announces: its <see cref="TrackInfo.Path"/> is <c>live:</c> and the
/// show's id (a host's session), or <c>live:master</c> (the master source). NOW PLAYING, the listeners' LIVE badge and
/// the play history tell live from automation by it, at the stream position where the air chain marked it.
/// </summary>
internal static class LiveTrack
{
    public const string PathPrefix = "live:";

    public const string MasterPath = "live:master";

    public static bool IsLive(TrackInfo? track) => track is not null && track.Path.StartsWith(PathPrefix, StringComparison.Ordinal);

    public static bool IsMaster(TrackInfo? track) => track is not null && track.Path == MasterPath;
}
