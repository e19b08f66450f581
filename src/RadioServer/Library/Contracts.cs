namespace RadioServer.Library;

/// <summary>The media library's section of the operators' status (GET /api/status; camelCase JSON, docs/api.md).</summary>
public sealed record LibraryStatus(int Tracks, int SkippedFiles, AnalysisStatus Analysis);

/// <summary>
/// The loudness analysis of the library: whether it is on and working now, and of the library's <paramref name="Total"/>
/// tracks how many are analysed, failed (not analysable; not tried again until they change) and still to do.
/// </summary>
public sealed record AnalysisStatus(bool Enabled, bool Running, int Total, int Analysed, int Failed, int Pending);
