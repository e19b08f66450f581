using RadioServer.Station;

namespace RadioServer.Library;

/// <summary>The media library's part of the status and its metrics.</summary>
internal sealed class LibraryReporter(MediaLibrary library) : IMetricSource
{
    public LibraryStatus Status() => new(library.Tracks.Length, library.SkippedFiles);

    public void Describe(IMetricsBuilder metrics)
    {
        metrics.Gauge("radio_library_tracks", "Playable tracks in the media library.", () => library.Tracks.Length);
        metrics.Gauge("radio_library_skipped_files", "Media files skipped as unreadable.", () => library.SkippedFiles);
    }
}
