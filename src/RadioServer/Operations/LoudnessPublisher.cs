using Microsoft.AspNetCore.SignalR;
using RadioServer.Audio;

namespace RadioServer.Operations;

/// <summary>
/// The dashboard's loudness meter: while an operator is connected, the on-air loudness goes to the operators' group
/// <see cref="Interval"/> (5 times a second; the meter's values change every 100 ms). A small message of its own, not the
/// whole status of <see cref="OperatorsPublisher"/>'s once-a-second update, so a meter moves smoothly for little.
/// </summary>
internal sealed partial class LoudnessPublisher(
    IHubContext<OperatorsHub, IOperatorsClient> hub,
    OperatorsPresence presence,
    AudioReporter audio,
    TimeProvider time,
    ILogger<LoudnessPublisher> logger) : IHostedService, IAsyncDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);

    private ITimer? _timer;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _timer = time.CreateTimer(_ => Tick(), null, Interval, Interval);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        if (_timer is { } timer)
        {
            _timer = null;
            await timer.DisposeAsync();
        }
    }

    internal void Tick()
    {
        if (!presence.Watched)
        {
            return;
        }
        var send = hub.Clients.Group(OperatorsPresence.OperatorsGroup).Loudness(audio.Loudness());
        if (!send.IsCompletedSuccessfully)
        {
            send.ContinueWith(t => Log.SendFailed(logger, t.Exception!), CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Pushing the loudness to operators failed.", EventName = "LoudnessSendFailed")]
        public static partial void SendFailed(ILogger logger, Exception exception);
    }
}
