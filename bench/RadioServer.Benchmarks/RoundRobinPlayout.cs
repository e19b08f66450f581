using RadioServer.Audio;
using RadioServer.Library;

namespace RadioServer.Benchmarks;

/// <summary>The scanned tracks one after another, round and round: the chain benchmark needs audio, not a schedule.</summary>
internal sealed class RoundRobinPlayout(IReadOnlyList<TrackInfo> tracks) : IPlayoutSource
{
    private int _next;

    public TrackInfo? Next() => tracks.Count == 0 ? null : tracks[_next++ % tracks.Count];

    public void Failed(TrackInfo track)
    {
        // The sample media all decode; a benchmark has nothing to skip.
    }

    public DateTimeOffset? CutAt(TrackInfo track) => null;

    public TimeSpan? CrossfadeFor(TrackInfo track) => null;
}
