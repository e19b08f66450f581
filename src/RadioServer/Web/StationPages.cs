using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using RadioServer.Art;
using RadioServer.Scheduling;
using RadioServer.Station;

namespace RadioServer.Web;

/// <summary>
/// What makes the listener's pages the station's own: the web app manifest (<c>/manifest.webmanifest</c>: name, colour,
/// icons, so "add to home screen" opens the player full screen) and the head every public page carries in place of its
/// <c>&lt;!-- station-head --&gt;</c> mark: the station's name as the title, theme colour, manifest and icons, and the
/// Open Graph and Twitter card tags that make a shared link show the station, the show ON AIR and its image. The head
/// is written per request (the show on air changes; link previews fetch the page, not the hub); the pages themselves
/// are read once.
/// </summary>
internal sealed class StationPages(IOptions<RadioOptions> options, CoverArt art, ScheduleStore schedule, IWebHostEnvironment environment, TimeProvider time)
{
    public const string HeadMark = "<!-- station-head -->";
    private const string HtmlType = "text/html; charset=utf-8";
    private const string Root = "<html lang=\"en\">";

    /// <summary>The mark-up of the page, either side of its head mark, by file and mode.</summary>
    private readonly ConcurrentDictionary<(string File, bool Embed), (string Before, string After)> _templates = new();
    private readonly RadioOptions _options = options.Value;

    /// <summary>
    /// A public page from the web root with the station's head. <paramref name="embed"/>: with class "embed" on its
    /// &lt;html&gt;, the compact mode for an iframe (a mode of the page, not a copy of its markup; in the markup from the
    /// first byte so the full page never flashes in the iframe). <paramref name="path"/>: the page's own address, which a
    /// shared link names (the full page's for an embed).
    /// </summary>
    public IResult Page(HttpRequest request, string file, string path, bool embed = false, string? pageTitle = null)
    {
        var (before, after) = _templates.GetOrAdd((file, embed), Read);
        var html = string.Concat(before, Head(BaseUrl(request), path, pageTitle), after);
        // The head names the show on air: a browser or preview asks again rather than keep an old one.
        request.HttpContext.Response.Headers.CacheControl = "no-cache";
        return Results.Content(html, HtmlType);
    }

    private (string, string) Read((string File, bool Embed) page)
    {
        var info = environment.WebRootFileProvider.GetFileInfo(page.File);
        if (!info.Exists || info.PhysicalPath is not { } path)
        {
            throw new FileNotFoundException($"{page.File} is missing from the web root.", page.File);
        }
        var html = File.ReadAllText(path);
        if (page.Embed)
        {
            var at = html.IndexOf(Root, StringComparison.Ordinal);
            if (at < 0)
            {
                throw new InvalidOperationException($"{page.File} has no {Root} to mark as the embed.");
            }
            html = string.Concat(html.AsSpan(0, at), "<html lang=\"en\" class=\"embed\">", html.AsSpan(at + Root.Length));
        }
        var mark = html.IndexOf(HeadMark, StringComparison.Ordinal);
        if (mark < 0)
        {
            throw new InvalidOperationException($"{page.File} has no {HeadMark} for the station's head.");
        }
        return (html[..mark], html[(mark + HeadMark.Length)..]);
    }

    /// <summary>The pages' background (station.css --bg): the installed app's splash screen.</summary>
    private const string BackgroundColor = "#f4f5f7";

    public string ManifestJson()
    {
        var icon = CoverArt.UrlOf(art.StationKey);
        var icons = CoverArt.Sizes.Where(s => s >= 192).SelectMany(s => new[]
        {
            new ManifestIcon($"{icon}/{s}", $"{s}x{s}", "image/png", "any"),
            // The generated image keeps its mark inside the middle 80 %: it may be masked (round, squircle) as it is.
            new ManifestIcon($"{icon}/{s}", $"{s}x{s}", "image/png", "maskable"),
        });
        var manifest = new Manifest(_options.StationName, ShortName(_options.StationName), _options.Description, "/", "/", "/",
            "standalone", _options.ThemeColor, BackgroundColor, [.. icons], ["music", "entertainment"]);
        return JsonSerializer.Serialize(manifest, WebJson.Default.Manifest);
    }

    /// <summary>The head for a page, with absolute URLs on <paramref name="baseUrl"/> (the address the request came to).</summary>
    public string Head(string baseUrl, string path, string? pageTitle = null)
    {
        var name = _options.StationName;
        var onAir = ScheduleView.OnAir(schedule.Current, time.GetUtcNow()).Current;
        var show = onAir.IsAutomation ? null : onAir;
        var title = show is null ? name : $"{name} · ON AIR: {show.Title}";
        var description = string.Join(" ", new[] { show is null ? null : ShowLine(show), _options.Description }.Where(s => !string.IsNullOrWhiteSpace(s)));
        if (description.Length == 0)
        {
            description = $"Listen to {name} live.";
        }
        var image = $"{baseUrl}{CoverArt.UrlOf(art.StationKey)}/512";
        var b = new StringBuilder(1600);
        b.Append("<title>").Append(Encode(pageTitle is null ? name : $"{pageTitle} · {name}")).Append("</title>\n");
        Meta(b, "name", "description", description);
        Meta(b, "name", "theme-color", _options.ThemeColor);
        b.Append("  <link rel=\"manifest\" href=\"/manifest.webmanifest\">\n");
        b.Append("  <link rel=\"apple-touch-icon\" href=\"").Append(CoverArt.UrlOf(art.StationKey)).Append("/192\">\n");
        Meta(b, "property", "og:type", "music.radio_station");
        Meta(b, "property", "og:site_name", name);
        Meta(b, "property", "og:title", pageTitle is null ? title : $"{pageTitle} · {name}");
        Meta(b, "property", "og:description", description);
        Meta(b, "property", "og:url", baseUrl + path);
        Meta(b, "property", "og:image", image);
        Meta(b, "property", "og:image:type", "image/png");
        Meta(b, "property", "og:image:width", "512");
        Meta(b, "property", "og:image:height", "512");
        Meta(b, "property", "og:image:alt", name);
        Meta(b, "name", "twitter:card", "summary");
        Meta(b, "name", "twitter:title", title);
        Meta(b, "name", "twitter:description", description);
        Meta(b, "name", "twitter:image", image);
        return b.ToString(0, b.Length - 1); // the page's own line break follows the mark
    }

    /// <summary>The address a request came to, as a link preview must name it: scheme and host, no trailing slash.</summary>
    public static string BaseUrl(HttpRequest request) => $"{request.Scheme}://{request.Host.Value}";

    /// <summary>"Morning Show, 7:00 - 9:00, with Alex Morgan." in station time.</summary>
    private static string ShowLine(SlotDto show)
    {
        var line = new StringBuilder("ON AIR: ").Append(show.Title);
        if (show.Start is { } start && show.End is { } end)
        {
            line.Append(", ").Append(Clock(start)).Append(" - ").Append(end.TimeOfDay == TimeSpan.Zero && end > start ? "24:00" : Clock(end));
        }
        if (show.Hosts.Count > 0)
        {
            line.Append(", with ").Append(show.Hosts.Count == 1 ? show.Hosts[0] : $"{string.Join(", ", show.Hosts.Take(show.Hosts.Count - 1))} and {show.Hosts[^1]}");
        }
        return line.Append('.').ToString();
    }

    private static string Clock(DateTimeOffset t) => t.ToString("H:mm", CultureInfo.InvariantCulture);

    /// <summary>What a home screen shows under the icon: the name, or its first word when the name is long.</summary>
    private static string ShortName(string name) => name.Length <= 12 ? name : name.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0] is { Length: <= 12 } first ? first : name[..12];

    private static void Meta(StringBuilder b, string attribute, string key, string content) =>
        b.Append("  <meta ").Append(attribute).Append("=\"").Append(key).Append("\" content=\"").Append(Encode(content)).Append("\">\n");

    /// <summary>The five characters that matter in an attribute or text; the rest stays as written (UTF-8 page).</summary>
    private static string Encode(string text) => text
        .Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal)
        .Replace("\"", "&quot;", StringComparison.Ordinal).Replace("'", "&#39;", StringComparison.Ordinal);
}

internal sealed record ManifestIcon(string Src, string Sizes, string Type, string Purpose);

internal sealed record Manifest(string Name, string ShortName, string Description, string Id, string StartUrl, string Scope, string Display,
    string ThemeColor, string BackgroundColor, ManifestIcon[] Icons, string[] Categories);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.SnakeCaseLower)]
[System.Text.Json.Serialization.JsonSerializable(typeof(Manifest))]
internal sealed partial class WebJson : System.Text.Json.Serialization.JsonSerializerContext;
