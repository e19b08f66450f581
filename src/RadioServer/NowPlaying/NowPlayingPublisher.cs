using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;
using RadioServer.Audio;
using RadioServer.Scheduling;
using RadioServer.Streaming;

namespace RadioServer.NowPlaying;

/// <summary>
/// Pushes changes to every player: a track change the moment the air chain publishes it (through a
/// channel, so the audio thread only enqueues), ON AIR when the slot changes, the listener count at most
/// once a second, and stream status when it changes. Sends are not awaited one after another: a player
/// that never reads cannot hold back the next message for everyone else.
/// </summary>
internal sealed partial class NowPlayingPublisher(
    IHubContext<RadioHub, IRadioClient> hub,
    StationSnapshot snapshot,
    AirChain chain,
    ScheduleStore schedule,
    TimeProvider time,
    ILogger<NowPlayingPublisher> logger) : BackgroundService
{
    private static readonly TimeSpan s_tick = TimeSpan.FromSeconds(1);
    private readonly Channel<TrackMark> _tracks = Channel.CreateUnbounded<TrackMark>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _tickGate = new();
    private ITimer? _timer;
    private string? _onAirKey;
    private int _listeners = -1;
    private (string Status, long Underruns) _stream;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        chain.TrackChanged += OnTrackChanged;
        schedule.Changed += OnScheduleChanged;
        _onAirKey = Key(snapshot.OnAir());
        _stream = (snapshot.Stream().Status, chain.Underruns);
        _timer = time.CreateTimer(_ => Tick(), null, s_tick, s_tick);
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        chain.TrackChanged -= OnTrackChanged;
        schedule.Changed -= OnScheduleChanged;
        if (_timer is not null)
        {
            await _timer.DisposeAsync();
        }
        _tracks.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var mark in _tracks.Reader.ReadAllAsync(stoppingToken))
            {
                var message = snapshot.TrackStarted(mark);
                Send(hub.Clients.All.NowPlaying(message), "nowPlaying");
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    // On the audio thread: enqueue only.
    private void OnTrackChanged(TrackMark mark) => _tracks.Writer.TryWrite(mark);

    private void OnScheduleChanged(Schedule _) => Tick();

    /// <summary>Once a second (and on a new schedule): ON AIR, listeners and stream status, each only when changed.</summary>
    internal void Tick()
    {
        lock (_tickGate)
        {
            var onAir = snapshot.OnAir();
            var key = Key(onAir);
            if (key != _onAirKey)
            {
                _onAirKey = key;
                Send(hub.Clients.All.OnAir(onAir), "onAir");
            }
            var listeners = snapshot.ListenerCount;
            if (listeners != _listeners)
            {
                _listeners = listeners;
                Send(hub.Clients.All.Listeners(listeners), "listeners");
            }
            var stream = snapshot.Stream();
            if ((stream.Status, stream.Underruns) != _stream)
            {
                _stream = (stream.Status, stream.Underruns);
                Send(hub.Clients.All.StreamStatus(stream), "streamStatus");
            }
        }
    }

    private static string Key(OnAirMessage onAir) =>
        $"{onAir.Current.ShowId}|{onAir.Current.Title}|{onAir.Current.StartUtc:O}|{onAir.Current.EndUtc:O}|{onAir.Next?.ShowId}|{onAir.Next?.StartUtc:O}";

    private void Send(Task send, string what)
    {
        if (!send.IsCompletedSuccessfully)
        {
            send.ContinueWith(t => Log.SendFailed(logger, what, t.Exception!), CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Pushing {What} to players failed.", EventName = "SendFailed")]
        public static partial void SendFailed(ILogger logger, string what, Exception exception);
    }
}
