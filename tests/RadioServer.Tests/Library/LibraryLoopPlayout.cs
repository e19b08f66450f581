using RadioServer.Audio;
using RadioServer.Library;

namespace RadioServer.Tests.Library;

/// <summary>Plays the whole library in path order, round and round: a playout for tests that need no schedule.</summary>
internal sealed class LibraryLoopPlayout(MediaLibrary library) : IPlayoutSource
{
    private string? _lastPath;

    public TrackInfo? Next()
    {
        var tracks = library.Tracks;
        if (tracks.IsEmpty)
        {
            return null;
        }
        var next = _lastPath is null ? tracks[0] : tracks.FirstOrDefault(t => string.CompareOrdinal(t.Path, _lastPath) > 0) ?? tracks[0];
        _lastPath = next.Path;
        return next;
    }

    public void Failed(TrackInfo track) => library.MarkFailed(track);

    public DateTimeOffset? CutAt(TrackInfo track) => null;

    public TimeSpan? CrossfadeFor(TrackInfo track) => null;
}
