namespace RadioServer.Library;

/// <summary>
/// One playable file of the media library, with what its tags (or its file name) say; <paramref name="ArtKey"/> names its
/// embedded cover (Art/CoverArt), null when it has none.
/// </summary>
internal sealed record TrackInfo(string Path, string RelativePath, string Artist, string Title, string? Album, TimeSpan Duration, string? ArtKey = null)
{
    /// <summary>"Artist - Title", as players show it and as ICY StreamTitle carries it.</summary>
    public string DisplayTitle => string.IsNullOrEmpty(Artist) ? Title : $"{Artist} - {Title}";
}
