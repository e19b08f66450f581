using System.Collections.Immutable;
using System.Text.RegularExpressions;
using RadioServer.Art;
using RadioServer.Audio.Decoding;
using RadioServer.Station;

namespace RadioServer.Library;

/// <summary>
/// The station's media: every supported file below the media folder, with its tags. The track list is
/// an immutable snapshot swapped on each scan, so the audio thread reads it without a lock.
/// Files that failed to decode stay out until they change on disk.
/// </summary>
internal sealed partial class MediaLibrary(StationPaths paths, ILogger<MediaLibrary> logger)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (DateTime Modified, long Length, TrackInfo Track)> _tagCache = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTime> _failed = new(StringComparer.Ordinal);
    private string _skippedLinks = "";
    private ImmutableArray<TrackInfo> _tracks = [];

    public string Root => paths.MediaPath;

    /// <summary>Playable tracks, ordered by path.</summary>
    public ImmutableArray<TrackInfo> Tracks => _tracks;

    public int SkippedFiles { get; private set; }

    /// <summary>Raised after every scan (outside the lock, on the scanning thread): the library's analysis looks for new or changed files.</summary>
    public event Action? Scanned;

    public ImmutableArray<TrackInfo> Scan()
    {
        var tracks = ScanLocked();
        Scanned?.Invoke();
        return tracks;
    }

    private ImmutableArray<TrackInfo> ScanLocked()
    {
        lock (_gate)
        {
            if (!Directory.Exists(Root))
            {
                Log.MediaFolderMissing(logger, Root);
                _tracks = [];
                return _tracks;
            }
            var found = new List<TrackInfo>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            IEnumerable<string> files;
            try
            {
                var skippedLinks = new List<string>();
                files = MediaFiles.Enumerate(Root, skippedLinks)
                    .Where(TrackDecoder.IsSupported)
                    .Order(StringComparer.Ordinal)
                    .ToList();
                NoteSkippedLinks(skippedLinks);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Log.MediaFolderUnreadable(logger, Root, ex);
                return _tracks;
            }
            foreach (var file in files)
            {
                seen.Add(file);
                var info = new FileInfo(file);
                if (!info.Exists)
                {
                    continue;
                }
                if (_failed.TryGetValue(file, out var failedAt) && failedAt == info.LastWriteTimeUtc)
                {
                    continue;
                }
                _failed.Remove(file);
                if (!_tagCache.TryGetValue(file, out var cached) || cached.Modified != info.LastWriteTimeUtc || cached.Length != info.Length)
                {
                    cached = (info.LastWriteTimeUtc, info.Length, ReadTrack(info));
                    _tagCache[file] = cached;
                }
                found.Add(cached.Track);
            }
            foreach (var gone in _tagCache.Keys.Where(k => !seen.Contains(k)).ToList())
            {
                _tagCache.Remove(gone);
            }
            _tracks = [.. found];
            SkippedFiles = _failed.Count;
            if (_tracks.IsEmpty)
            {
                Log.MediaFolderEmpty(logger, Root);
            }
            else
            {
                Log.Scanned(logger, _tracks.Length, Root);
            }
            return _tracks;
        }
    }

    /// <summary>One warning when the folder links skipped as already walked change, not one per link per scan.</summary>
    private void NoteSkippedLinks(List<string> links)
    {
        links.Sort(StringComparer.Ordinal);
        var key = string.Join('\n', links);
        if (key == _skippedLinks)
        {
            return;
        }
        _skippedLinks = key;
        if (links.Count > 0)
        {
            Log.LinksSkipped(logger, links.Count, links[0]);
        }
    }

    /// <summary>Keeps a file that failed to decode out of the library until it changes on disk.</summary>
    public void MarkFailed(TrackInfo track)
    {
        lock (_gate)
        {
            DateTime modified;
            try
            {
                modified = File.GetLastWriteTimeUtc(track.Path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                modified = DateTime.MinValue;
            }
            _failed[track.Path] = modified;
            _tracks = _tracks.Remove(track);
            SkippedFiles = _failed.Count;
        }
    }

    private TrackInfo ReadTrack(FileInfo file)
    {
        var relative = Path.GetRelativePath(Root, file.FullName);
        var (fallbackArtist, fallbackTitle) = FromFileName(file.Name);
        try
        {
            using var tagFile = TagLib.File.Create(file.FullName);
            var tag = tagFile.Tag;
            var artist = FirstNonEmpty(tag.FirstPerformer, tag.FirstAlbumArtist) ?? fallbackArtist;
            var title = FirstNonEmpty(tag.Title) ?? fallbackTitle;
            // TagLib# maps no album onto a WAV's LIST/INFO chunk; IPRD ("product") is where taggers put it.
            var infoAlbum = (tagFile.GetTag(TagLib.TagTypes.RiffInfo) as TagLib.Riff.InfoTag)?.GetValuesAsStrings("IPRD").FirstOrDefault();
            return new TrackInfo(file.FullName, relative, artist, title, FirstNonEmpty(tag.Album, infoAlbum), tagFile.Properties?.Duration ?? TimeSpan.Zero, CoverArt.KeyOf(tag));
        }
        catch (Exception ex)
        {
            // A file TagLib cannot read may still decode; the air chain decides. Name it by its file name.
            Log.TagsUnreadable(logger, file.FullName, ex.Message);
            return new TrackInfo(file.FullName, relative, fallbackArtist, fallbackTitle, null, TimeSpan.Zero);
        }
    }

    private static string? FirstNonEmpty(params string?[] values) =>
        values.Select(v => v?.Trim()).FirstOrDefault(v => !string.IsNullOrEmpty(v));

    /// <summary>"07 Artist - Title.mp3" → (Artist, Title); "Title.mp3" → ("", Title).</summary>
    internal static (string Artist, string Title) FromFileName(string fileName)
    {
        var name = LeadingTrackNumber().Replace(Path.GetFileNameWithoutExtension(fileName), "").Trim();
        var dash = name.IndexOf(" - ", StringComparison.Ordinal);
        return dash > 0 ? (name[..dash].Trim(), name[(dash + 3)..].Trim()) : ("", name);
    }

    [GeneratedRegex(@"^\d{1,3}\s*[-._]?\s+")]
    private static partial Regex LeadingTrackNumber();

    private static partial class Log
    {
        [LoggerMessage(9, LogLevel.Warning, "Media library: {Count} folder link(s) lead to folders already scanned (a loop or a second name), skipped; the first: {Link}.", EventName = "FolderLinksSkipped")]
        public static partial void LinksSkipped(ILogger logger, int count, string link);

        [LoggerMessage(1, LogLevel.Information, "Media library: {Count} tracks in {Root}.", EventName = "Scanned")]
        public static partial void Scanned(ILogger logger, int count, string root);

        [LoggerMessage(2, LogLevel.Warning, "Media folder {Root} does not exist; the station plays silence until tracks appear.", EventName = "MediaFolderMissing")]
        public static partial void MediaFolderMissing(ILogger logger, string root);

        [LoggerMessage(3, LogLevel.Warning, "Media folder {Root} has no playable tracks; the station plays silence until tracks appear.", EventName = "MediaFolderEmpty")]
        public static partial void MediaFolderEmpty(ILogger logger, string root);

        [LoggerMessage(4, LogLevel.Warning, "Media folder {Root} cannot be read.", EventName = "MediaFolderUnreadable")]
        public static partial void MediaFolderUnreadable(ILogger logger, string root, Exception exception);

        [LoggerMessage(5, LogLevel.Warning, "Tags of {File} cannot be read ({Reason}); using the file name.", EventName = "TagsUnreadable")]
        public static partial void TagsUnreadable(ILogger logger, string file, string reason);
    }
}
