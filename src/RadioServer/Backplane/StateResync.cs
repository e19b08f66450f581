using Microsoft.AspNetCore.SignalR;
using RadioServer.NowPlaying;

namespace RadioServer.Backplane;

/// <summary>
/// When Redis is back after an outage, this node's players get the whole state again (<c>state</c>, from this node's
/// own snapshot, to its own clients only): what other nodes published meanwhile never reached them. The operators'
/// dashboards need nothing: their status comes whole once a second.
/// </summary>
internal sealed partial class StateResync(RedisBackplane backplane, HubLifetimeManager<RadioHub> hub, StationSnapshot snapshot, ILogger<StateResync> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        backplane.Restored += OnRestored;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        backplane.Restored -= OnRestored;
        return Task.CompletedTask;
    }

    private void OnRestored()
    {
        if (hub is not BackplaneHubLifetimeManager<RadioHub> local)
        {
            return;
        }
        var send = local.SendLocalAsync(nameof(IRadioClient.State), [snapshot.State()]);
        if (!send.IsCompletedSuccessfully)
        {
            send.ContinueWith(t => Log.ResyncFailed(logger, t.Exception!), CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Sending players the whole state after Redis came back failed.", EventName = "ResyncFailed")]
        public static partial void ResyncFailed(ILogger logger, Exception exception);
    }
}
