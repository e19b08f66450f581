using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;
using RadioServer.Audio;
using RadioServer.Live;
using RadioServer.Scheduling;
using RadioServer.Streaming;

namespace RadioServer.NowPlaying;

/// <summary>
/// Pushes changes to every player: a track change the moment the air chain publishes it (through a
/// channel, so the audio thread only enqueues), ON AIR when the slot changes, the listener count at most
/// once a second, stream status when it changes, and LIVE when the live state or what the stream carries
/// changes (the live sources' Changed, raised on any thread, only wakes a loop here). Sends are not awaited
/// one after another: a player that never reads cannot hold back the next message for everyone else.
/// </summary>
internal sealed partial class NowPlayingPublisher(
    IHubContext<RadioHub, IRadioClient> hub,
    StationSnapshot snapshot,
    AirChain chain,
    ScheduleStore schedule,
    LiveSources live,
    TimeProvider time,
    ILogger<NowPlayingPublisher> logger) : BackgroundService
{
    private static readonly TimeSpan s_tick = TimeSpan.FromSeconds(1);
    private readonly Channel<TrackMark> _tracks = Channel.CreateUnbounded<TrackMark>(new UnboundedChannelOptions { SingleReader = true });
    // One pending wake-up is enough: the loop reads the live state when it runs.
    private readonly Channel<bool> _liveChanged = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Lock _tickGate = new();
    private readonly Lock _liveGate = new();
    private LiveMessage? _liveSent;
    private ITimer? _timer;
    private string? _onAirKey;
    private int _listeners = -1;
    private (string Status, long Underruns) _stream;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        chain.TrackChanged += OnTrackChanged;
        schedule.Changed += OnScheduleChanged;
        live.Changed += OnLiveChanged;
        _liveSent = snapshot.Live();
        _onAirKey = Key(snapshot.OnAir());
        _stream = (snapshot.Stream().Status, chain.Underruns);
        _timer = time.CreateTimer(_ => Tick(), null, s_tick, s_tick);
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        chain.TrackChanged -= OnTrackChanged;
        schedule.Changed -= OnScheduleChanged;
        live.Changed -= OnLiveChanged;
        if (_timer is not null)
        {
            await _timer.DisposeAsync();
        }
        _tracks.Writer.TryComplete();
        _liveChanged.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.WhenAll(TracksAsync(stoppingToken), LiveAsync(stoppingToken));

    private async Task TracksAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var mark in _tracks.Reader.ReadAllAsync(stoppingToken))
            {
                var message = snapshot.TrackStarted(mark);
                Send(hub.Clients.All.NowPlaying(message), "nowPlaying");
                if (snapshot.Heard(mark))
                {
                    PublishLive();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task LiveAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var _ in _liveChanged.Reader.ReadAllAsync(stoppingToken))
            {
                PublishLive();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>LIVE to every player, when it differs from the last one sent (from either loop: one at a time).</summary>
    private void PublishLive()
    {
        lock (_liveGate)
        {
            var message = snapshot.Live();
            if (message != _liveSent)
            {
                _liveSent = message;
                Send(hub.Clients.All.Live(message), "live");
            }
        }
    }

    // On the audio thread: enqueue only.
    private void OnTrackChanged(TrackMark mark) => _tracks.Writer.TryWrite(mark);

    // On any thread, the air chain's too: wake the live loop only.
    private void OnLiveChanged() => _liveChanged.Writer.TryWrite(true);

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
