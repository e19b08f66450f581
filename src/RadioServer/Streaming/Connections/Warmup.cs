using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using RadioServer.Station;

namespace RadioServer.Streaming.Connections;

/// <summary>
/// Right after start, asks the server for its own mount (HEAD, so no listener is counted) and health a few
/// times over loopback, so the first real listeners do not wait for the JIT: measured here, a cold server's
/// first second of arrivals saw a ~400 ms time to first byte, a warm one under 1 ms.
/// </summary>
internal sealed partial class Warmup(IServer server, IHostApplicationLifetime lifetime, IOptions<RadioOptions> options, ILogger<Warmup> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            using (var started = CancellationTokenSource.CreateLinkedTokenSource(lifetime.ApplicationStarted, stoppingToken))
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, started.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            }
            if (stoppingToken.IsCancellationRequested || server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() is not { } address ||
                !Uri.TryCreate(address, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp)
            {
                return;
            }
            var host = uri.Host is "0.0.0.0" or "[::]" or "+" or "*" || !IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) ? IPAddress.Loopback : ip;
            var mount = options.Value.MountPath;
            for (var i = 0; i < 3; i++)
            {
                await RequestAsync(new IPEndPoint(host, uri.Port), $"HEAD {mount} HTTP/1.0\r\nIcy-MetaData: 1\r\n\r\n", stoppingToken);
                await RequestAsync(new IPEndPoint(host, uri.Port), "GET /healthz HTTP/1.1\r\nHost: warmup\r\nConnection: close\r\n\r\n", stoppingToken);
            }
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
        {
            Log.Skipped(logger, ex.Message);
        }
    }

    private static async Task RequestAsync(IPEndPoint endpoint, string request, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(endpoint, timeout.Token);
        await socket.SendAsync(Encoding.ASCII.GetBytes(request), SocketFlags.None, timeout.Token);
        var buffer = new byte[4096];
        while (await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token) > 0)
        {
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Warm-up skipped: {Reason}", EventName = "WarmupSkipped")]
        public static partial void Skipped(ILogger logger, string reason);
    }
}
