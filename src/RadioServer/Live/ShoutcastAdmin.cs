using System.Net;
using System.Text;
using System.Text.Unicode;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Features;

namespace RadioServer.Live;

/// <summary>
/// SHOUTcast's metadata update, <c>GET /admin.cgi?mode=updinfo&amp;pass=…&amp;song=…</c> (Winamp's DSP, SAM, butt and
/// Mixxx in SHOUTcast mode send it on the station's port): the password as a v1 source sends it (<c>password</c>, for
/// the master; <c>user:password</c>; <c>:#sid</c> dropped), or Basic credentials when there is no <c>pass</c>. Checked
/// and applied by <see cref="LiveSources"/> as <c>/admin/metadata</c> is. The password travels in the query, so the
/// server hands these requests on with it hidden (<see cref="HideAdminCgiPasswords"/>): ASP.NET Core's own request
/// log ("Request starting …", written before any middleware runs) never sees it.
/// </summary>
internal static class ShoutcastAdmin
{
    public const string Path = "/admin.cgi";

    private const string Hidden = "***";
    private static readonly object s_key = new();

    public static IEndpointRouteBuilder MapShoutcastAdmin(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(Path, UpdateAsync);
        return endpoints;
    }

    private static async Task<IResult> UpdateAsync(HttpContext context, LiveSources live)
    {
        var query = Parse(context.Features.Get<OriginalQuery>()?.Value ?? context.Request.QueryString.Value);
        var (user, password) = query.TryGetValue("pass", out var pass)
            ? ShoutcastSources.Credentials(pass)
            : SourceRequest.BasicCredentials(context.Request.Headers.Authorization.ToString());
        if (await live.AuthenticateAsync(user, password, context.Connection.RemoteIpAddress) is not { } account)
        {
            // The same answer whatever was wrong; too many failures from one address are refused unchecked for a while.
            return Page(StatusCodes.Status401Unauthorized, "Invalid password").WithChallenge();
        }
        if (query.GetValueOrDefault("mode") != "updinfo")
        {
            return Page(StatusCodes.Status400BadRequest, "Unsupported mode: only mode=updinfo is served here");
        }
        if (!query.TryGetValue("song", out var song) || string.IsNullOrWhiteSpace(song))
        {
            return Page(StatusCodes.Status400BadRequest, "Missing song");
        }
        if (!live.SetTitle(account, song))
        {
            return Page(StatusCodes.Status400BadRequest, "No source is connected with this password");
        }
        return Page(StatusCodes.Status200OK, "Metadata update successful");
    }

    // As Icecast answers admin.cgi (html_success): a page with the one line.
    private static IResult Page(int status, string message) => Results.Text(
        $"<html><head><title>RadioServer</title></head><body><p>{WebUtility.HtmlEncode(message)}</p></body></html>\n", "text/html", Encoding.UTF8, status);

    private static IResult WithChallenge(this IResult result) => new ChallengeResult(result);

    /// <summary>
    /// The query's parameters, names case-insensitive, the first of each; values percent-decoded (and '+' as a space,
    /// except in <c>pass</c>: libshout sends the password as it is) as UTF-8 when they are, else as Latin-1:
    /// SHOUTcast-era clients send their titles in the Windows code page, as Icecast assumes for them.
    /// </summary>
    internal static Dictionary<string, string> Parse(string? query)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var pair in (query ?? "").TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Decode(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? "" : pair[(equals + 1)..];
            values.TryAdd(name, Decode(string.Equals(name, "pass", StringComparison.OrdinalIgnoreCase) ? value.Replace("+", "%2B", StringComparison.Ordinal) : value));
        }
        return values;
    }

    private static string Decode(string encoded)
    {
        var bytes = WebUtility.UrlDecodeToBytes(Encoding.UTF8.GetBytes(encoded), 0, Encoding.UTF8.GetByteCount(encoded));
        return Utf8.IsValid(bytes) ? Encoding.UTF8.GetString(bytes) : Encoding.Latin1.GetString(bytes);
    }

    /// <summary>The query with every <c>pass</c> value replaced by <c>***</c>, or null when it has none.</summary>
    internal static string? Redact(string? query)
    {
        if (string.IsNullOrEmpty(query))
        {
            return null;
        }
        var pairs = query.TrimStart('?').Split('&');
        var hidden = false;
        for (var i = 0; i < pairs.Length; i++)
        {
            var equals = pairs[i].IndexOf('=', StringComparison.Ordinal);
            if (string.Equals(Decode(equals < 0 ? pairs[i] : pairs[i][..equals]), "pass", StringComparison.OrdinalIgnoreCase))
            {
                pairs[i] = "pass=" + Hidden;
                hidden = true;
            }
        }
        return hidden ? "?" + string.Join('&', pairs) : null;
    }

    /// <summary>
    /// Puts the server behind one that hides <c>pass</c> in the query of each <c>/admin.cgi</c> request before the
    /// application (and its request log) sees it, keeping the original in a feature for <see cref="UpdateAsync"/>.
    /// Call after the server is registered (Kestrel is, by the web host's defaults); a test server registered later
    /// takes its place as before.
    /// </summary>
    public static IServiceCollection HideAdminCgiPasswords(this IServiceCollection services)
    {
        if (services.LastOrDefault(d => d.ServiceType == typeof(IServer) && !d.IsKeyedService) is not { Lifetime: ServiceLifetime.Singleton } server)
        {
            return services;
        }
        services.Remove(server);
        services.Add(server switch
        {
            { ImplementationType: { } type } => ServiceDescriptor.KeyedSingleton(typeof(IServer), s_key, type),
            { ImplementationFactory: { } factory } => ServiceDescriptor.KeyedSingleton(typeof(IServer), s_key, (sp, _) => factory(sp)),
            _ => ServiceDescriptor.KeyedSingleton(typeof(IServer), s_key, server.ImplementationInstance!),
        });
        services.AddSingleton<IServer>(sp => new PasswordHidingServer(sp.GetRequiredKeyedService<IServer>(s_key)));
        return services;
    }

    /// <summary>The query as it came, before its password was hidden.</summary>
    private sealed record OriginalQuery(string Value);

    private sealed class PasswordHidingServer(IServer inner) : IServer
    {
        public IFeatureCollection Features => inner.Features;

        public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken) where TContext : notnull =>
            inner.StartAsync(new Application<TContext>(application), cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => inner.StopAsync(cancellationToken);

        public void Dispose()
        {
            // The container made the server and disposes it.
        }
    }

    private sealed class Application<TContext>(IHttpApplication<TContext> inner) : IHttpApplication<TContext> where TContext : notnull
    {
        public TContext CreateContext(IFeatureCollection contextFeatures)
        {
            if (contextFeatures.Get<IHttpRequestFeature>() is { } request && string.Equals(request.Path, Path, StringComparison.OrdinalIgnoreCase))
            {
                // Set on every admin.cgi request, so none reads one left from an earlier request on the connection.
                contextFeatures.Set(new OriginalQuery(request.QueryString));
                if (Redact(request.QueryString) is { } hidden)
                {
                    request.QueryString = hidden;
                    request.RawTarget = request.Path + hidden;
                }
            }
            return inner.CreateContext(contextFeatures);
        }

        public Task ProcessRequestAsync(TContext context) => inner.ProcessRequestAsync(context);

        public void DisposeContext(TContext context, Exception? exception) => inner.DisposeContext(context, exception);
    }

    private sealed class ChallengeResult(IResult inner) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.WWWAuthenticate = "Basic realm=\"RadioServer\"";
            return inner.ExecuteAsync(httpContext);
        }
    }
}
