using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using RadioServer.Edges;
using RadioServer.Library;
using RadioServer.Station;
using SkiaSharp;

namespace RadioServer.Art;

/// <summary>
/// Cover art by content: a track's embedded picture is named by a hash of its bytes (<see cref="KeyOf"/>, taken while
/// the library reads the tags), so an album's tracks share one key and a URL never changes meaning, and is made square
/// at <see cref="Sizes"/> once, on its first request, into <c>Radio:ArtCachePath</c>. The station's own image
/// (<c>Radio:StationImage</c>, else a generated one in <c>Radio:ThemeColor</c>) is art too, under
/// <see cref="StationKey"/>. An edge has no media: the art its origin's titles name is fetched from the origin once and
/// cached the same way. One picture is made at a time (Skia is CPU work; the air chain keeps its core).
/// </summary>
internal sealed partial class CoverArt
{
    /// <summary>The sizes every picture is served at (Media Session, the page, home-screen icons).</summary>
    public static readonly int[] Sizes = [96, 192, 256, 512];

    private const string StationPrefix = "station-";

    /// <summary>A picture bigger than this (in the tag, or from the origin) is not taken.</summary>
    private const int MaxPictureBytes = 16 * 1024 * 1024;

    private readonly MediaLibrary _library;
    private readonly EdgeHttp _edge;
    private readonly TimeProvider _time;
    private readonly ILogger<CoverArt> _logger;
    private readonly string _cache;
    private readonly string? _stationImage;
    private readonly SKColor _colour;
    private readonly SemaphoreSlim _render = new(1, 1);
    private readonly SemaphoreSlim _fetch = new(4, 4);
    private readonly ConcurrentDictionary<(string Key, int Size), long> _originMissing = new();
    private const int MaxRemembered = 10_000;
    private int _cacheWarned;
    private readonly ConcurrentDictionary<string, string> _failed = new(StringComparer.Ordinal);

    public CoverArt(IOptions<RadioOptions> options, StationPaths paths, MediaLibrary library, EdgeHttp edge, TimeProvider time, ILogger<CoverArt> logger)
    {
        _time = time;
        _library = library;
        _edge = edge;
        _logger = logger;
        var o = options.Value;
        _cache = paths.Resolve(o.ArtCachePath);
        _colour = SKColor.TryParse(o.ThemeColor, out var colour) ? colour : SKColor.Parse(RadioOptions.DefaultThemeColor);
        _stationImage = string.IsNullOrWhiteSpace(o.StationImage) ? null : paths.Resolve(o.StationImage);
        StationKey = StationPrefix + Hash(StationIdentity());
    }

    /// <summary>The station image's key: changes when the image (or, for the generated one, the colour) does.</summary>
    public string StationKey { get; }

    /// <summary>The URL of a picture's folder, to which a size is appended: <c>/art/{key}/256</c>.</summary>
    public static string UrlOf(string key) => $"/art/{key}";

    /// <summary>The key of the front cover among a tag's pictures (else of its first picture), null when it has none.</summary>
    public static string? KeyOf(TagLib.Tag tag) => Choose(tag.Pictures) is { } picture ? Hash(picture.Data.Data) : null;

    /// <summary>A key this class could have made: what /art accepts, so a path never reaches the disk unchecked.</summary>
    public static bool IsKey(string key) => KeyPattern().IsMatch(key);

    public static string ContentTypeOf(string key) => key.StartsWith(StationPrefix, StringComparison.Ordinal) ? "image/png" : "image/jpeg";

    /// <summary>
    /// The picture <paramref name="key"/> at <paramref name="size"/>, from the cache or made now; null with the reason
    /// when there is none (unknown key, a picture that does not decode: said once in the log). What is not a picture
    /// of this station is answered before any queue, so asking for made-up keys costs a lookup, never a wait for others.
    /// </summary>
    public async Task<(byte[]? Image, string? Missing)> GetAsync(string key, int size, CancellationToken cancellationToken)
    {
        var file = Path.Combine(_cache, key[..2], $"{key}-{size}{(ContentTypeOf(key) == "image/png" ? ".png" : ".jpg")}");
        if (TryRead(file) is { } cached)
        {
            return (cached, null);
        }
        if (_failed.TryGetValue(key, out var reason))
        {
            return (null, reason);
        }
        TrackInfo? track = null;
        if (key.StartsWith(StationPrefix, StringComparison.Ordinal))
        {
            if (key != StationKey)
            {
                return (null, "not this station's image (it has changed)");
            }
        }
        else if ((track = _library.Tracks.FirstOrDefault(t => t.ArtKey == key)) is null)
        {
            return _edge.Origin is null ? (null, "no track has this picture") : await FromOriginAsync(key, size, file, cancellationToken);
        }
        await _render.WaitAsync(cancellationToken);
        try
        {
            if (TryRead(file) is { } made)
            {
                return (made, null);
            }
            var (image, missing) = track is null ? (StationImage(size), null) : Make(track, key, size);
            if (image is not null)
            {
                Store(file, image);
            }
            return (image, missing);
        }
        finally
        {
            _render.Release();
        }
    }

    private (byte[]? Image, string? Missing) Make(TrackInfo track, string key, int size)
    {
        var picture = ReadPicture(track, key);
        var image = picture is null ? null : ArtImages.Square(picture, size, SKEncodedImageFormat.Jpeg);
        return image is null
            ? (null, Failed(key, track.Path, picture is null ? "the picture is no longer in its tags" : "the picture cannot be decoded"))
            : (image, null);
    }

    private byte[] StationImage(int size)
    {
        if (_stationImage is not null)
        {
            try
            {
                if (ArtImages.Square(File.ReadAllBytes(_stationImage), size, SKEncodedImageFormat.Png) is { } own)
                {
                    return own;
                }
                Log.StationImageUnreadable(_logger, _stationImage, "not a picture Skia decodes, or over 8,192 px");
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Log.StationImageUnreadable(_logger, _stationImage, ex.Message);
            }
        }
        return ArtImages.DefaultStation(size, _colour);
    }

    private byte[]? ReadPicture(TrackInfo track, string key)
    {
        try
        {
            using var file = TagLib.File.Create(track.Path);
            return file.Tag.Pictures.Select(p => p.Data.Data).FirstOrDefault(data => data.Length <= MaxPictureBytes && Hash(data) == key);
        }
        catch (Exception ex)
        {
            Log.TagsUnreadable(_logger, track.Path, ex.Message);
            return null;
        }
    }

    /// <summary>
    /// An edge's cover: from the origin once, then from the cache. A few fetches at a time (they wait on the network, not
    /// a core); a key the origin did not have is not asked again for a minute, so made-up keys do not become requests.
    /// </summary>
    private async Task<(byte[]? Image, string? Missing)> FromOriginAsync(string key, int size, string file, CancellationToken cancellationToken)
    {
        var now = _time.GetTimestamp();
        if (_originMissing.TryGetValue((key, size), out var until) && now < until)
        {
            return (null, "the origin has no such picture");
        }
        await _fetch.WaitAsync(cancellationToken);
        try
        {
            if (TryRead(file) is { } fetched)
            {
                return (fetched, null);
            }
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            using var response = await _edge.Client.GetAsync(new Uri(_edge.Origin!, $"art/{key}/{size}"), HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (!response.IsSuccessStatusCode || response.Content.Headers.ContentType?.MediaType != ContentTypeOf(key)
                || response.Content.Headers.ContentLength is not (> 0 and <= MaxPictureBytes))
            {
                if (_originMissing.Count >= MaxRemembered)
                {
                    _originMissing.Clear();
                }
                _originMissing[(key, size)] = now + (60 * _time.TimestampFrequency);
                return (null, $"the origin has no such picture ({(int)response.StatusCode})");
            }
            var image = await response.Content.ReadAsByteArrayAsync(timeout.Token);
            Store(file, image);
            return (image, null);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return (null, $"the origin did not answer ({ex.GetType().Name})");
        }
        finally
        {
            _fetch.Release();
        }
    }

    /// <summary>Said once: a cache that cannot be used stays so, and every request would say it again.</summary>
    private void CacheUnusable(Exception ex)
    {
        if (Interlocked.Exchange(ref _cacheWarned, 1) == 0)
        {
            Log.CacheUnusable(_logger, _cache, ex.Message);
        }
    }

    private string Failed(string key, string path, string reason)
    {
        if (_failed.TryAdd(key, reason))
        {
            Log.PictureFailed(_logger, path, reason);
        }
        return reason;
    }

    private byte[]? TryRead(string file)
    {
        try
        {
            return File.Exists(file) ? File.ReadAllBytes(file) : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            CacheUnusable(ex);
            return null;
        }
    }

    /// <summary>Written whole, then renamed: a reader never sees half a picture. A cache that cannot be written costs a remake, not the picture.</summary>
    private void Store(string file, byte[] image)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            var part = file + ".part";
            File.WriteAllBytes(part, image);
            File.Move(part, file, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            CacheUnusable(ex);
        }
    }

    private byte[] StationIdentity()
    {
        if (_stationImage is not null)
        {
            try
            {
                return File.ReadAllBytes(_stationImage);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Log.StationImageUnreadable(_logger, _stationImage, ex.Message);
            }
        }
        // The generated image: its drawing's version and its colour.
        return System.Text.Encoding.UTF8.GetBytes($"default-1 {_colour}");
    }

    private static TagLib.IPicture? Choose(TagLib.IPicture[] pictures) =>
        pictures.FirstOrDefault(p => p.Type == TagLib.PictureType.FrontCover && p.Data.Count is > 0 and <= MaxPictureBytes)
        ?? pictures.FirstOrDefault(p => p.Data.Count is > 0 and <= MaxPictureBytes);

    /// <summary>96 bits of SHA-256 as 24 hex digits: no two pictures of a library meet by chance.</summary>
    private static string Hash(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data).AsSpan(0, 12));

    [System.Text.RegularExpressions.GeneratedRegex("^(station-)?[0-9a-f]{24}$")]
    private static partial System.Text.RegularExpressions.Regex KeyPattern();

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Cover art of {File}: {Reason}; the station's image stands in.", EventName = "CoverArtFailed")]
        public static partial void PictureFailed(ILogger logger, string file, string reason);

        [LoggerMessage(2, LogLevel.Warning, "Station image {File} cannot be used ({Reason}); the generated one stands in.", EventName = "StationImageUnreadable")]
        public static partial void StationImageUnreadable(ILogger logger, string file, string reason);

        [LoggerMessage(3, LogLevel.Warning, "Art cache {Folder} cannot be used ({Reason}); pictures are made again when asked.", EventName = "ArtCacheUnusable")]
        public static partial void CacheUnusable(ILogger logger, string folder, string reason);

        [LoggerMessage(4, LogLevel.Warning, "Tags of {File} cannot be read for its cover ({Reason}).", EventName = "CoverTagsUnreadable")]
        public static partial void TagsUnreadable(ILogger logger, string file, string reason);
    }
}
