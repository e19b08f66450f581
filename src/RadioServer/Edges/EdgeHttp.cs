namespace RadioServer.Edges;

/// <summary>The one HTTP client an edge talks to its origin with (the stream pull and the reports), and where it is.</summary>
internal sealed class EdgeHttp : IDisposable
{
    public EdgeHttp(Microsoft.Extensions.Options.IOptions<EdgeOptions> options)
    {
        var origin = options.Value.Origin;
        Origin = string.IsNullOrWhiteSpace(origin) ? null : new Uri(origin.TrimEnd('/') + "/");
        Client = new HttpClient(new SocketsHttpHandler
        {
            // An origin that does not answer is given up on quickly: listeners hear silence meanwhile, and the relay retries.
            ConnectTimeout = TimeSpan.FromSeconds(5),
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            AutomaticDecompression = System.Net.DecompressionMethods.None,
        })
        {
            Timeout = Timeout.InfiniteTimeSpan, // the stream runs for days; each call sets its own deadline
        };
        Client.DefaultRequestHeaders.UserAgent.ParseAdd($"RadioServer-Edge/{typeof(EdgeHttp).Assembly.GetName().Version?.ToString(3) ?? "0"}");
    }

    public HttpClient Client { get; }

    /// <summary>The origin's base URL (ending in '/'), null on a node that is not an edge.</summary>
    public Uri? Origin { get; }

    public void Dispose() => Client.Dispose();
}
