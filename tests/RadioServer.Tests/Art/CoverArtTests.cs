using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using RadioServer.NowPlaying;
using RadioServer.Art;
using RadioServer.Tests.Infrastructure;
using SkiaSharp;

namespace RadioServer.Tests.Art;

/// <summary>
/// Cover art against the real server: a track's embedded picture (made by the test with Skia, written into the MP3 with
/// TagLib#) served square at every size with a year's cache, named in NOW PLAYING; a broken picture answered 404 and
/// reported once; the station's image, its own or generated; the manifest and the listener page's head; an edge that
/// serves its origin's covers.
/// </summary>
public sealed class CoverArtTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public CoverArtTests()
    {
        // 800 x 400: red, then blue in the middle 400, then green. A centre crop is all blue.
        WriteMp3WithPicture(_folder.File("Cover - Song.mp3"), 500, Stripes(800, 400, SKColors.Red, SKColors.Blue, SKColors.Green));
        TestAudio.WriteToneWav(_folder.File("Plain - Song.wav"), 700, 2);
    }

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task EmbeddedCover_IsServedSquareAtEverySize_CachedForAYear_AndNamedInNowPlaying()
    {
        await using var station = await TestStation.StartAsync(_folder.Media, new Dictionary<string, string?> { ["Radio:ArtCachePath"] = Path.Combine(_folder.Path, "art") });
        var cover = Assert.Single(station.Library.Tracks, t => t.Title == "Song" && t.Artist == "Cover");
        Assert.NotNull(cover.ArtKey);
        Assert.Null(Assert.Single(station.Library.Tracks, t => t.Artist == "Plain").ArtKey);

        await station.AdvanceAsync(TimeSpan.FromSeconds(1));
        await using (var hub = new HubConnectionBuilder().WithUrl(station.Url("/hubs/radio")).Build())
        {
            await hub.StartAsync();
            var state = await hub.InvokeAsync<RadioState>("GetState");
            Assert.Equal("Cover - Song", state.NowPlaying?.DisplayTitle);
            Assert.Equal($"/art/{cover.ArtKey}", state.NowPlaying?.Art);
            Assert.StartsWith("/art/station-", state.Station.Art, StringComparison.Ordinal);
        }

        using var http = new HttpClient { BaseAddress = station.BaseUri };
        foreach (var size in CoverArt.Sizes)
        {
            using var response = await http.GetAsync($"/art/{cover.ArtKey}/{size}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("image/jpeg", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(TimeSpan.FromDays(365), response.Headers.CacheControl?.MaxAge);
            Assert.True(response.Headers.CacheControl?.Public);
            Assert.Contains("immutable", response.Headers.CacheControl!.Extensions.Select(e => e.Name));
            using var image = SKBitmap.Decode(await response.Content.ReadAsByteArrayAsync());
            Assert.Equal(size, image.Width);
            Assert.Equal(size, image.Height);
            // The middle of the picture, cropped square: blue from edge to edge, no red or green at the sides.
            foreach (var (x, y) in new[] { (size / 2, size / 2), (3, 3), (size - 4, size / 2), (3, size - 4) })
            {
                AssertNear(SKColors.Blue, image.GetPixel(x, y), $"pixel ({x}, {y}) at {size} px");
            }
        }

        // Made once: on disk, and what a browser holds is good (304).
        Assert.True(File.Exists(Path.Combine(_folder.Path, "art", cover.ArtKey![..2], $"{cover.ArtKey}-256.jpg")));
        using (var again = new HttpRequestMessage(HttpMethod.Get, $"/art/{cover.ArtKey}/256"))
        {
            again.Headers.IfNoneMatch.Add(new EntityTagHeaderValue($"\"{cover.ArtKey}-256\""));
            using var response = await http.SendAsync(again);
            Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
        }

        // What is not a picture of this station: 404 with the reason, never a path on the disk.
        foreach (var (url, reason) in new[]
        {
            ($"/art/{cover.ArtKey}/100", "Pictures come at 96, 192, 256, 512 px."),
            ("/art/..%2F..%2Fetc%2Fpasswd/96", "An art key is 24 hex digits"),
            ($"/art/{new string('a', 24)}/96", "no track has this picture"),
        })
        {
            using var response = await http.GetAsync(url);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Contains(reason, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task BrokenCover_Answers404_IsReportedOnce_AndTheTrackStillPlays()
    {
        using var folder = new TempFolder();
        WriteMp3WithPicture(folder.File("Broken - Cover.mp3"), 500, [.. Enumerable.Range(0, 5000).Select(i => (byte)(i * 7))]);
        await using var station = await TestStation.StartAsync(folder.Media);
        var track = Assert.Single(station.Library.Tracks);
        Assert.NotNull(track.ArtKey);
        using var http = new HttpClient { BaseAddress = station.BaseUri };
        for (var i = 0; i < 3; i++)
        {
            using var response = await http.GetAsync($"/art/{track.ArtKey}/96");
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Contains("the picture cannot be decoded", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        Assert.Single(station.Logs.Entries, e => e.EventId.Name == "CoverArtFailed");

        // On the air all the same: its title, and its tone (not silence) in the stream.
        await using var listener = await StreamClient.ConnectAsync(station.Url("/stream"));
        await station.AdvanceAsync(TimeSpan.FromSeconds(3));
        await listener.WaitForAudioAsync(40_000);
        Assert.Equal("Broken - Cover", station.Buffer.CurrentTrack?.StreamTitle);
        var (samples, _, channels) = TestAudio.DecodeMp3(listener.Audio);
        var left = TestAudio.Channel(samples, channels, 0);
        Assert.True(TestAudio.Rms(left.AsSpan(left.Length / 2)) > 0.05, "the stream is silent");
    }

    [Fact]
    public async Task StationImage_IsTheStationsOwn_OrAGeneratedOne_AsPng()
    {
        await using (var generated = await TestStation.StartAsync(_folder.Media))
        {
            var key = generated.App.Services.GetRequiredService<CoverArt>().StationKey;
            using var http = new HttpClient { BaseAddress = generated.BaseUri };
            using var response = await http.GetAsync($"/art/{key}/512");
            Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
            using var image = SKBitmap.Decode(await response.Content.ReadAsByteArrayAsync());
            Assert.Equal(512, image.Width);
            AssertNear(SKColor.Parse(RadioServer.Station.RadioOptions.DefaultThemeColor), image.GetPixel(8, 8), "the generated image's corner", tolerance: 40);
        }

        var own = Path.Combine(_folder.Path, "logo.png");
        File.WriteAllBytes(own, Stripes(300, 300, SKColors.Yellow, SKColors.Yellow, SKColors.Yellow, SKEncodedImageFormat.Png));
        await using var station = await TestStation.StartAsync(_folder.Media, new Dictionary<string, string?> { ["Radio:StationImage"] = own });
        var ownKey = station.App.Services.GetRequiredService<CoverArt>().StationKey;
        using var client = new HttpClient { BaseAddress = station.BaseUri };
        using var logo = SKBitmap.Decode(await client.GetByteArrayAsync($"/art/{ownKey}/192"));
        Assert.Equal(192, logo.Width);
        AssertNear(SKColors.Yellow, logo.GetPixel(96, 96), "the station's own image");
        // Another image, another key: a year's cache never holds the old one under the new name.
        using var old = await client.GetAsync("/art/station-" + new string('0', 24) + "/192");
        Assert.Equal(HttpStatusCode.NotFound, old.StatusCode);
    }

    [Fact]
    public async Task Manifest_NamesTheStation_AndItsIconsAnswerAtTheirSizes()
    {
        await using var station = await TestStation.StartAsync(_folder.Media, new Dictionary<string, string?>
        {
            ["Radio:StationName"] = "Harbour Radio Community FM",
            ["Radio:ThemeColor"] = "#aa3300",
        });
        using var http = new HttpClient { BaseAddress = station.BaseUri };
        using var response = await http.GetAsync("/manifest.webmanifest");
        Assert.Equal("application/manifest+json", response.Content.Headers.ContentType?.MediaType);
        using var manifest = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = manifest.RootElement;
        Assert.Equal("Harbour Radio Community FM", root.GetProperty("name").GetString());
        Assert.Equal("Harbour", root.GetProperty("short_name").GetString());
        Assert.Equal("/", root.GetProperty("start_url").GetString());
        Assert.Equal("standalone", root.GetProperty("display").GetString());
        Assert.Equal("#aa3300", root.GetProperty("theme_color").GetString());
        var icons = root.GetProperty("icons").EnumerateArray().ToList();
        foreach (var size in new[] { 192, 512 })
        {
            var icon = icons.First(i => i.GetProperty("sizes").GetString() == $"{size}x{size}" && i.GetProperty("purpose").GetString() == "any");
            using var picture = await http.GetAsync(icon.GetProperty("src").GetString());
            Assert.Equal(icon.GetProperty("type").GetString(), picture.Content.Headers.ContentType?.MediaType);
            using var image = SKBitmap.Decode(await picture.Content.ReadAsByteArrayAsync());
            Assert.Equal(size, image.Width);
            Assert.Equal(size, image.Height);
        }
    }

    [Fact]
    public async Task ListenerPages_Head_NamesTheStationAndTheShowOnAir_ForLinkPreviews()
    {
        // Thursday 2026-11-26, UTC: "Lunch Beats" 12:00-14:00 with Kim.
        File.WriteAllText(Path.Combine(_folder.Path, "schedule.json"), """
            { "timeZone": "UTC", "automation": { "playlist": { "items": ["."] } },
              "shows": [ { "id": "lunch", "title": "Lunch Beats", "hosts": ["Kim"], "playlist": { "items": ["."] },
                           "slots": [ { "days": ["thu"], "start": "12:00", "end": "14:00" } ] } ] }
            """);
        await using var station = await TestStation.StartAsync(_folder.Media, new Dictionary<string, string?> { ["Radio:StationName"] = "Tom & Jerry's <FM>", ["Radio:Description"] = "Songs by the sea." },
            start: new DateTimeOffset(2026, 11, 26, 12, 30, 0, TimeSpan.Zero));
        using var http = new HttpClient { BaseAddress = station.BaseUri };
        var page = await http.GetStringAsync("/");
        var name = "Tom &amp; Jerry&#39;s &lt;FM&gt;";
        Assert.Contains($"<title>{name}</title>", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<FM>", page, StringComparison.Ordinal);
        Assert.Contains($"<meta property=\"og:title\" content=\"{name} · ON AIR: Lunch Beats\">", page, StringComparison.Ordinal);
        Assert.Contains("<meta property=\"og:description\" content=\"ON AIR: Lunch Beats, 12:00 - 14:00, with Kim. Songs by the sea.\">", page, StringComparison.Ordinal);
        Assert.Contains("<meta name=\"twitter:card\" content=\"summary\">", page, StringComparison.Ordinal);
        Assert.Contains("<link rel=\"manifest\" href=\"/manifest.webmanifest\">", page, StringComparison.Ordinal);
        var image = System.Text.RegularExpressions.Regex.Match(page, "<meta property=\"og:image\" content=\"([^\"]+)\">").Groups[1].Value;
        Assert.StartsWith(station.BaseUri.ToString().TrimEnd('/') + "/art/station-", image, StringComparison.Ordinal);
        using (var picture = await http.GetAsync(new Uri(image)))
        {
            Assert.Equal(HttpStatusCode.OK, picture.StatusCode);
            Assert.Equal("image/png", picture.Content.Headers.ContentType?.MediaType);
        }

        // After the show the preview names the station alone.
        station.Time!.Advance(TimeSpan.FromHours(2));
        var later = await http.GetStringAsync("/");
        Assert.Contains($"<meta property=\"og:title\" content=\"{name}\">", later, StringComparison.Ordinal);
        Assert.DoesNotContain("Lunch Beats\">", later, StringComparison.Ordinal);
        // Every listener page has the head; the embed's link names the full page.
        foreach (var path in new[] { "/embed", "/schedule", "/schedule/embed" })
        {
            var html = await http.GetStringAsync(path);
            Assert.Contains("<link rel=\"manifest\" href=\"/manifest.webmanifest\">", html, StringComparison.Ordinal);
            Assert.Contains($"<meta property=\"og:url\" content=\"{station.BaseUri.ToString().TrimEnd('/')}{(path.StartsWith("/schedule", StringComparison.Ordinal) ? "/schedule" : "/")}\">", html, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task OnAnEdge_TheOriginsCoversAreServed()
    {
        const string key = "cover-art-edge-key-0123456789abcdef";
        using var edgeFolder = new TempFolder();
        await using var origin = await TestStation.StartAsync(_folder.Media, new Dictionary<string, string?> { ["Radio:EdgeKey"] = key });
        await using var edge = await TestStation.StartAsync(edgeFolder.Media, new Dictionary<string, string?>
        {
            ["Radio:Origin"] = origin.BaseUri.ToString(),
            ["Radio:EdgeKey"] = key,
        });
        var art = Assert.Single(origin.Library.Tracks, t => t.ArtKey is not null).ArtKey;
        using var fromOrigin = new HttpClient { BaseAddress = origin.BaseUri };
        using var fromEdge = new HttpClient { BaseAddress = edge.BaseUri };
        using var response = await fromEdge.GetAsync($"/art/{art}/96");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/jpeg", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(await fromOrigin.GetByteArrayAsync($"/art/{art}/96"), await response.Content.ReadAsByteArrayAsync());
        using var unknown = await fromEdge.GetAsync($"/art/{new string('b', 24)}/96");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("the origin has no such picture (404)", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        // Not asked again for a minute: made-up keys do not become requests to the origin.
        using var again = await fromEdge.GetAsync($"/art/{new string('b', 24)}/96");
        Assert.Equal("{\"type\":\"https://tools.ietf.org/html/rfc9110#section-15.5.5\",\"title\":\"No such picture.\",\"status\":404,\"detail\":\"the origin has no such picture\"}", await again.Content.ReadAsStringAsync());
        edge.Time!.Advance(TimeSpan.FromSeconds(61));
        using var later = await fromEdge.GetAsync($"/art/{new string('b', 24)}/96");
        Assert.Contains("the origin has no such picture (404)", await later.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    internal static void WriteMp3WithPicture(string path, double frequency, byte[] picture)
    {
        TestAudio.WriteToneMp3(path, frequency, 2);
        using var file = TagLib.File.Create(path);
        var (artist, title) = RadioServer.Library.MediaLibrary.FromFileName(Path.GetFileName(path));
        file.Tag.Performers = [artist];
        file.Tag.Title = title;
        file.Tag.Album = "Test Album";
        file.Tag.Pictures = [new TagLib.Picture(new TagLib.ByteVector(picture)) { Type = TagLib.PictureType.FrontCover, MimeType = "image/jpeg" }];
        file.Save();
    }

    /// <summary>A picture in three vertical bands: the left quarter, the middle half, the right quarter.</summary>
    internal static byte[] Stripes(int width, int height, SKColor left, SKColor middle, SKColor right, SKEncodedImageFormat format = SKEncodedImageFormat.Jpeg)
    {
        using var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        {
            using var paint = new SKPaint();
            paint.Color = left;
            canvas.DrawRect(0, 0, width / 4f, height, paint);
            paint.Color = middle;
            canvas.DrawRect(width / 4f, 0, width / 2f, height, paint);
            paint.Color = right;
            canvas.DrawRect(width * 3 / 4f, 0, width / 4f, height, paint);
        }
        using var data = bitmap.Encode(format, 95);
        return data.ToArray();
    }

    private static void AssertNear(SKColor expected, SKColor actual, string where, int tolerance = 30) =>
        Assert.True(Math.Abs(expected.Red - actual.Red) <= tolerance && Math.Abs(expected.Green - actual.Green) <= tolerance && Math.Abs(expected.Blue - actual.Blue) <= tolerance,
            $"{where}: expected about {expected}, got {actual}");
}
