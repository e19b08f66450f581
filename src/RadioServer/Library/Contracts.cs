namespace RadioServer.Library;

/// <summary>The media library's section of the operators' status (GET /api/status; camelCase JSON, docs/api.md).</summary>
public sealed record LibraryStatus(int Tracks, int SkippedFiles);
