using System.Globalization;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using RadioServer.Audio;
using RadioServer.Station;

namespace RadioServer.Edges;

internal static class EdgesServiceCollectionExtensions
{
    /// <summary>
    /// The station across nodes. Every node can take edges (with <c>Radio:EdgeKey</c>); with <c>Radio:Origin</c> set this
    /// node is an edge: the <see cref="OriginRelay"/> takes the air chain driver's place among the hosted services (same
    /// slot, same start order), so this node's playout, encoder and schedule never go on air. After <c>AddAudio</c>.
    /// </summary>
    public static IServiceCollection AddEdges(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptionsWithValidateOnStart<EdgeOptions, EdgeOptionsValidator>().BindConfiguration(EdgeOptions.Section);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EdgeOptions>, EdgeOptionsCrossValidator>());
        services.TryAddSingleton<EdgeKeys>();
        services.TryAddSingleton<EdgeFeed>();
        services.TryAddSingleton<EdgeSelf>();
        services.TryAddSingleton<EdgeTable>();
        services.TryAddSingleton<EdgeHttp>();
        services.TryAddSingleton<EdgesReporter>();
        services.AddSingleton<IMetricSource>(sp => sp.GetRequiredService<EdgesReporter>());

        if (!string.IsNullOrWhiteSpace(configuration[$"{EdgeOptions.Section}:{nameof(EdgeOptions.Origin)}"]))
        {
            services.TryAddSingleton<OriginRelay>();
            services.TryAddSingleton<EdgeReporter>();
            var relay = ServiceDescriptor.Singleton<IHostedService>(sp => sp.GetRequiredService<OriginRelay>());
            var driver = services.FirstOrDefault(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(AirChainDriver));
            if (driver is null)
            {
                services.Add(relay);
            }
            else
            {
                services[services.IndexOf(driver)] = relay;
            }
            services.AddHostedService(sp => sp.GetRequiredService<EdgeReporter>());
        }
        return services;
    }

    /// <summary>The origin's side: <c>GET /api/edges/stream</c> (an edge's pull) and <c>POST /api/edges/report</c>, both with the edge key.</summary>
    public static WebApplication MapEdges(this WebApplication app)
    {
        app.MapGet(RelayProtocol.Path, async (HttpContext context, EdgeKeys keys, EdgeFeed feed) =>
        {
            if (keys.Refusal(context.Request) is { } refusal)
            {
                await refusal.ExecuteAsync(context);
                return;
            }
            long? from = null;
            if (context.Request.Query["from"] is { Count: > 0 } text)
            {
                if (!long.TryParse(text.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var position))
                {
                    await Results.Problem(statusCode: 400, title: "Bad 'from'.", detail: $"'from' must be a stream position (a whole number of bytes), not '{text}'.").ExecuteAsync(context);
                    return;
                }
                from = position;
            }
            await feed.ServeAsync(context, from);
        });
        app.MapPost("/api/edges/report", async (HttpContext context, EdgeKeys keys, EdgeTable table) =>
        {
            if (keys.Refusal(context.Request) is { } refusal)
            {
                return refusal;
            }
            EdgeReport? report;
            try
            {
                report = await context.Request.ReadFromJsonAsync(EdgesJson.Default.EdgeReport, context.RequestAborted);
            }
            catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException)
            {
                return Results.Problem(statusCode: 400, title: "Bad report.", detail: $"The body must be a JSON edge report ({{name, url, listeners, room, originConnected}}): {ex.Message}");
            }
            if (Invalid(report) is { } problem)
            {
                return Results.Problem(statusCode: 400, title: "Bad report.", detail: problem);
            }
            return Results.Ok(table.Report(report!));
        });
        return app;
    }

    private static string? Invalid(EdgeReport? report) => report switch
    {
        null => "The body is empty.",
        { Name: null or "" } or { Name.Length: > 100 } => "'name' must be 1 to 100 characters.",
        _ when report.Name.Any(char.IsControl) => "'name' must not hold control characters.",
        { Url: { } url } when !EdgeOptionsCrossValidator.IsHttpUrl(url) => $"'url' must be the edge's http:// or https:// base URL, not '{url}'.",
        { Listeners: < 0 } => "'listeners' must not be negative.",
        { Room: < 0 } => "'room' must not be negative.",
        _ => null,
    };
}
