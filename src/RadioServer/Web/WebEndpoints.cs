namespace RadioServer.Web;

/// <summary>
/// The static pages (Web/wwwroot, copied next to the app): the listener's player and the week's programme (each also,
/// compact, for an iframe), the hosts' page, the operators' dashboard. The listeners' pages carry the station's head
/// (<see cref="StationPages"/>: title, manifest, link previews).
/// </summary>
internal static class WebEndpoints
{
    private const string HtmlType = "text/html; charset=utf-8";

    public static WebApplication MapWeb(this WebApplication app)
    {
        app.UseStaticFiles();
        app.MapGet("/", (HttpRequest request, StationPages pages) => pages.Page(request, "index.html", "/"));
        app.MapGet("/embed", (HttpRequest request, StationPages pages) => pages.Page(request, "index.html", "/", embed: true));
        app.MapGet("/manifest.webmanifest", (HttpContext context, StationPages pages) =>
        {
            context.Response.Headers.CacheControl = "public, max-age=3600";
            return Results.Text(pages.ManifestJson(), "application/manifest+json; charset=utf-8");
        });
        app.MapGet("/host", (IWebHostEnvironment env) => Page(env, "host.html"));
        // The dashboard page itself is public; it shows nothing until the operator key opens the operators' hub (/hubs/operators).
        app.MapGet("/operator", (IWebHostEnvironment env) => Page(env, "operator.html"));
        app.MapSchedulePages();
        return app;
    }

    /// <summary>The listeners' programme: the week in station time, today first, and its compact mode for an iframe.</summary>
    private static void MapSchedulePages(this WebApplication app)
    {
        const string Title = "This week's programme";
        app.MapGet("/schedule", (HttpRequest request, StationPages pages) => pages.Page(request, "schedule.html", "/schedule", pageTitle: Title));
        app.MapGet("/schedule/embed", (HttpRequest request, StationPages pages) => pages.Page(request, "schedule.html", "/schedule", embed: true, pageTitle: Title));
    }

    private static IResult Page(IWebHostEnvironment env, string name)
    {
        var file = env.WebRootFileProvider.GetFileInfo(name);
        return file.Exists && file.PhysicalPath is { } path
            ? Results.File(path, HtmlType)
            : Results.Problem(statusCode: 404, title: $"{name} is missing from the web root.");
    }
}
