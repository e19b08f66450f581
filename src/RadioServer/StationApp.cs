using System.Text;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using RadioServer.Art;
using RadioServer.Audio;
using RadioServer.Auth;
using RadioServer.Edges;
using RadioServer.Backplane;
using RadioServer.Hls;
using RadioServer.Hosting;
using RadioServer.Library;
using RadioServer.Live;
using RadioServer.Live.Accounts;
using RadioServer.Live.Recording;
using RadioServer.NowPlaying;
using RadioServer.Operations;
using RadioServer.Relays;
using RadioServer.Scheduling;
using RadioServer.Station;
using RadioServer.Streaming;
using RadioServer.Streaming.Listeners;
using RadioServer.Web;

namespace RadioServer;

/// <summary>Builds the whole station; <c>Program</c> runs it, tests start it on 127.0.0.1:0 with their own fakes.</summary>
internal static class StationApp
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
            WebRootPath = "Web/wwwroot",
        });
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Icecast sends icy-name and friends as UTF-8 bytes; Kestrel's default refuses non-ASCII values.
            kestrel.ResponseHeaderEncodingSelector = _ => Encoding.UTF8;
            // Listeners hold their connection for hours; Kestrel's per-connection limits stay as they are.
            kestrel.Limits.MaxConcurrentConnections = null;
            kestrel.Limits.MaxConcurrentUpgradedConnections = null;
        });
        // A connection's first head is timed by the station's accept loop (WaitingConnections); the same limit for
        // every later one on a kept-alive connection.
        builder.Services.AddOptions<KestrelServerOptions>().Configure<IOptions<RadioOptions>>((kestrel, radio) =>
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(radio.Value.RequestHeadTimeoutSeconds));
        // Listeners arrive in crowds (a show starts, a link is shared): a deeper accept queue than Kestrel's
        // 512 keeps a burst from dropping SYNs into a 1 s retransmit (the kernel caps it at somaxconn).
        builder.WebHost.UseSockets(sockets => sockets.Backlog = 4096);
        // Opt-in (Radio:InlineSocketScheduling): continuations run on the socket's own thread instead of a pool
        // hop; a title reaches 9,600 hub clients on one core in p99 212 ms instead of 384 (docs/benchmarks.md).
        builder.Services.AddOptions<Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets.SocketTransportOptions>().Configure<IOptions<RadioOptions>>((sockets, radio) =>
            sockets.UnsafePreferInlineScheduling = radio.Value.InlineSocketScheduling);

        builder.Services
            .AddStation()
            .AddApiKeyAuth()
            .AddLibrary()
            .AddArt()
            .AddScheduling()
            .AddStreaming()
            .AddHls()
            .AddLive()
            .AddRelays()
            .AddAudio()
            .AddEdges(builder.Configuration)
            .AddNowPlaying()
            .AddBackplane(builder.Configuration)
            .AddOperations()
            .AddWeb()
            .AddHosting();

        configure?.Invoke(builder);

        var app = builder.Build();
        // Every section at once (one line per problem), before the Origin policy, the metrics and the keys below
        // read theirs one by one. (Radio itself is read by Build, for the listener transport, so it fails alone.)
        app.Services.GetRequiredService<IStartupValidator>().Validate();
        app.UseListenerConnectionOrder(); // first: which requests may be handed a raw socket
        app.UseOriginPolicy(); // before authentication and every endpoint: a refused origin gets its 403 only
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.MapNowPlaying();
        app.MapStreaming();
        app.MapHls();
        app.MapLive();
        app.MapRelays();
        app.MapHostAccounts();
        app.MapRecordings();
        app.MapSchedule();
        app.MapOperations();
        app.MapEdges();
        app.MapArt();
        app.MapWeb();
        app.Services.GetRequiredService<ApiKeys>(); // generated keys are printed at start, not at the first request
        return app;
    }
}
