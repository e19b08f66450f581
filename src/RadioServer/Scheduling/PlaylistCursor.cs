using System.Collections.Immutable;
using RadioServer.Library;

namespace RadioServer.Scheduling;

/// <summary>
/// Walks one playlist: in order, or shuffled without repeating the most recent half of it, with a
/// jingle after every N tracks. Resolves items against the library's current snapshot each time, so
/// new or vanished files are followed without a reload. Used only on the audio thread.
/// </summary>
internal sealed class PlaylistCursor(Playlist playlist, Random random)
{
    private readonly Queue<string> _recent = new();
    private int _position;
    private string? _lastPath;
    private int _sinceJingle;
    private int _jingle;

    public Playlist Playlist { get; } = playlist;

    public TrackInfo? Next(ImmutableArray<TrackInfo> library)
    {
        if (Playlist.JingleEvery > 0 && _sinceJingle >= Playlist.JingleEvery)
        {
            var jingles = Resolve(Playlist.Jingles, library);
            if (jingles.Count > 0)
            {
                _sinceJingle = 0;
                return jingles[_jingle++ % jingles.Count];
            }
        }
        var tracks = Resolve(Playlist.Items, library);
        if (tracks.Count == 0)
        {
            return null;
        }
        TrackInfo next;
        if (Playlist.Order == PlaylistOrder.Sequential)
        {
            // Follow the last track played, not a bare index: when a file leaves the library (bad, deleted)
            // the one after it must not be skipped.
            var last = _lastPath is null ? -1 : tracks.FindIndex(t => t.Path == _lastPath);
            _position = last >= 0 ? (last + 1) % tracks.Count : (_lastPath is null ? 0 : _position % tracks.Count);
            next = tracks[_position];
            _lastPath = next.Path;
        }
        else
        {
            // Keep the last half of the playlist out of the draw (at least the last track when there are two).
            var window = Math.Min(tracks.Count - 1, Math.Max(1, tracks.Count / 2));
            var candidates = tracks.Where(t => !_recent.Contains(t.Path)).ToList();
            next = candidates.Count > 0 ? candidates[random.Next(candidates.Count)] : tracks[random.Next(tracks.Count)];
            _recent.Enqueue(next.Path);
            while (_recent.Count > window)
            {
                _recent.Dequeue();
            }
        }
        _sinceJingle++;
        return next;
    }

    /// <summary>The library's tracks named by the items, in item order; a folder gives its tracks in path order.</summary>
    internal static List<TrackInfo> Resolve(ImmutableArray<string> items, ImmutableArray<TrackInfo> library)
    {
        var result = new List<TrackInfo>();
        foreach (var item in items)
        {
            var folder = item + Path.DirectorySeparatorChar;
            foreach (var track in library)
            {
                if (track.Path == item || track.Path.StartsWith(folder, StringComparison.Ordinal))
                {
                    result.Add(track);
                }
            }
        }
        return result;
    }
}
