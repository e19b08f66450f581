namespace RadioServer.Web;

/// <summary>
/// The static pages (Web/wwwroot, copied next to the app): the listener's player (also, compact, for an iframe), the
/// hosts' page, the operators' dashboard; the listener's pages carry the station's head (<see cref="StationPages"/>).
/// </summary>
internal static class WebEndpoints
{
    private const string HtmlType = "text/html; charset=utf-8";

    public static WebApplication MapWeb(this WebApplication app)
    {
        app.UseStaticFiles();
        app.MapGet("/", (HttpRequest request, StationPages pages) => pages.Page(request, "index.html"));
        app.MapGet("/embed", (HttpRequest request, StationPages pages) => pages.Page(request, "index.html", embed: true));
        app.MapGet("/manifest.webmanifest", (HttpContext context, StationPages pages) =>
        {
            context.Response.Headers.CacheControl = "public, max-age=3600";
            return Results.Text(pages.ManifestJson(), "application/manifest+json; charset=utf-8");
        });
        app.MapGet("/host", (IWebHostEnvironment env) => Page(env, "host.html"));
        // The dashboard page itself is public; it shows nothing until the operator key opens the operators' hub (/hubs/operators).
        app.MapGet("/operator", (IWebHostEnvironment env) => Page(env, "operator.html"));
        return app;
    }

    private static IResult Page(IWebHostEnvironment env, string name)
    {
        var file = env.WebRootFileProvider.GetFileInfo(name);
        return file.Exists && file.PhysicalPath is { } path
            ? Results.File(path, HtmlType)
            : Results.Problem(statusCode: 404, title: $"{name} is missing from the web root.");
    }
}
