using RadioServer.Library.Analysis;
using RadioServer.Station;

namespace RadioServer.Library;

/// <summary>The media library's part of the status and its metrics.</summary>
internal sealed class LibraryReporter(MediaLibrary library, LibraryAnalysis analysis) : IMetricSource
{
    public LibraryStatus Status() => new(library.Tracks.Length, library.SkippedFiles, analysis.Status());

    public void Describe(IMetricsBuilder metrics)
    {
        metrics.Gauge("radio_library_tracks", "Playable tracks in the media library.", () => library.Tracks.Length);
        metrics.Gauge("radio_library_skipped_files", "Media files skipped as unreadable.", () => library.SkippedFiles);
        metrics.Gauge("radio_library_analysed", "Library tracks whose loudness and cue points are analysed.", () => analysis.Status().Analysed);
        metrics.Gauge("radio_library_analysis_failed", "Library tracks that could not be analysed (they play at unity gain).", () => analysis.Status().Failed);
        metrics.Gauge("radio_library_analysis_pending", "Library tracks waiting for their analysis.", () => analysis.Status().Pending);
    }
}
