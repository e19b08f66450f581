using Microsoft.Extensions.FileProviders;

namespace RadioServer.Web;

/// <summary>The static pages (Web/wwwroot, copied next to the app): the listener's player, the embeddable player, the hosts' page, the operators' dashboard.</summary>
internal static class WebEndpoints
{
    public static WebApplication MapWeb(this WebApplication app)
    {
        app.UseStaticFiles();
        app.MapGet("/", (IWebHostEnvironment env) => Page(env, "index.html"));
        app.MapGet("/embed", (IWebHostEnvironment env) => Page(env, "embed.html"));
        app.MapGet("/host", (IWebHostEnvironment env) => Page(env, "host.html"));
        // The dashboard page itself is public; it shows nothing until the operator key opens the hub's operators' group.
        app.MapGet("/operator", (IWebHostEnvironment env) => Page(env, "operator.html"));
        return app;
    }

    private static IResult Page(IWebHostEnvironment env, string name)
    {
        var file = env.WebRootFileProvider.GetFileInfo(name);
        return file.Exists && file.PhysicalPath is { } path
            ? Results.File(path, "text/html; charset=utf-8")
            : Results.Problem(statusCode: 404, title: $"{name} is missing from the web root.");
    }
}
