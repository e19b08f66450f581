using RadioServer.Art;

namespace RadioServer.Streaming;

/// <summary>
/// NOW PLAYING. <see cref="StreamPosition"/> (bytes) and <see cref="StreamTime"/> (seconds) say where in the
/// stream the track's first sound comes out of a player's decoder (<see cref="TrackMark.HeardPosition"/>), so a
/// player can show it when its listener hears it, not when the server sends it. <see cref="Art"/> is the URL of the
/// track's cover without its size (<c>/art/{key}</c>, then <c>/96</c>, <c>/192</c>, <c>/256</c> or <c>/512</c>), null
/// when it has none (the station's image, <see cref="NowPlaying.StationInfo.Art"/>, stands in).
/// Public because the typed hub client and the operators' status carry it.
/// </summary>
public sealed record TrackMessage(string Artist, string Title, string? Album, double DurationSeconds, DateTimeOffset StartedAt, long StreamPosition, double StreamTime, string DisplayTitle, string? Art = null)
{
    /// <summary>The track a mark announces; silence (no track) shows the mark's stream title.</summary>
    internal static TrackMessage From(TrackMark mark, int bitrateKbps)
    {
        var track = mark.Track;
        return new TrackMessage(track?.Artist ?? "", track?.Title ?? mark.StreamTitle, track?.Album, track?.Duration.TotalSeconds ?? 0,
            mark.StartedAt, mark.HeardPosition, StreamTimeOf(mark.HeardPosition, bitrateKbps), mark.StreamTitle, track?.ArtKey is { } art ? CoverArt.UrlOf(art) : null);
    }

    /// <summary>A stream position (bytes since the station went on air) in seconds at the station's CBR bitrate, to the millisecond.</summary>
    internal static double StreamTimeOf(long position, int bitrateKbps) => Math.Round(position * 8.0 / (bitrateKbps * 1000.0), 3);
}
