namespace RadioServer.Web;

/// <summary>The static pages (Web/wwwroot, copied next to the app): the listener's player and the week's programme (each also, compact, for an iframe), the hosts' page, the operators' dashboard.</summary>
internal static class WebEndpoints
{
    private const string HtmlType = "text/html; charset=utf-8";

    public static WebApplication MapWeb(this WebApplication app)
    {
        app.UseStaticFiles();
        app.MapGet("/", (IWebHostEnvironment env) => Page(env, "index.html"));
        app.MapGet("/embed", Embed(app, "index.html"));
        app.MapGet("/host", (IWebHostEnvironment env) => Page(env, "host.html"));
        // The dashboard page itself is public; it shows nothing until the operator key opens the operators' hub (/hubs/operators).
        app.MapGet("/operator", (IWebHostEnvironment env) => Page(env, "operator.html"));
        app.MapSchedulePages();
        return app;
    }

    /// <summary>The listeners' programme: the week in station time, today first, and its compact mode for an iframe.</summary>
    private static void MapSchedulePages(this WebApplication app)
    {
        app.MapGet("/schedule", (IWebHostEnvironment env) => Page(env, "schedule.html"));
        app.MapGet("/schedule/embed", Embed(app, "schedule.html"));
    }

    private static IResult Page(IWebHostEnvironment env, string name)
    {
        var file = env.WebRootFileProvider.GetFileInfo(name);
        return file.Exists && file.PhysicalPath is { } path
            ? Results.File(path, HtmlType)
            : Missing(name);
    }

    /// <summary>
    /// A page with class "embed" on its &lt;html&gt;: the embed is a mode of that page, not a copy of its markup, and
    /// the class is in the markup from the first byte so the full page never flashes in the iframe. Read once, at
    /// the first request (the page does not change while the station runs).
    /// </summary>
    private static Func<IResult> Embed(WebApplication app, string name)
    {
        var embed = new Lazy<IResult>(() => EmbedPage(app.Environment, name), LazyThreadSafetyMode.ExecutionAndPublication);
        return () => embed.Value;
    }

    private static IResult EmbedPage(IWebHostEnvironment env, string name)
    {
        var file = env.WebRootFileProvider.GetFileInfo(name);
        if (!file.Exists || file.PhysicalPath is not { } path)
        {
            return Missing(name);
        }
        var html = File.ReadAllText(path);
        const string Root = "<html lang=\"en\">";
        var at = html.IndexOf(Root, StringComparison.Ordinal);
        if (at < 0)
        {
            throw new InvalidOperationException($"{name} has no {Root} to mark as the embed.");
        }
        var embed = string.Concat(html.AsSpan(0, at), "<html lang=\"en\" class=\"embed\">", html.AsSpan(at + Root.Length));
        return Results.Content(embed, HtmlType);
    }

    private static IResult Missing(string name) => Results.Problem(statusCode: 404, title: $"{name} is missing from the web root.");
}
