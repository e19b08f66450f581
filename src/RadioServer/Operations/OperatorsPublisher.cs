using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;
using RadioServer.Audio;
using RadioServer.Live;
using RadioServer.Live.Recording;
using RadioServer.Streaming;
using RadioServer.Streaming.Listeners;

namespace RadioServer.Operations;

/// <summary>
/// Raises alarms (dead air from the air chain, a failing history database, a live recording that failed or fell behind) to the log, the alarm list and
/// the operators' group on <see cref="OperatorsHub"/>; samples the listener count for the dashboard's chart
/// every 10 s; and, while an operator is connected, pushes the whole status to the operators' group once a second,
/// and the live status (with the sources) on a change and while a source is connected, coalesced to one push per
/// <see cref="LiveInterval"/>: a source's level changes every frame, the live sources' Changed on any thread.
/// </summary>
internal sealed partial class OperatorsPublisher(
    IHubContext<OperatorsHub, IOperatorsClient> hub,
    OperatorsPresence presence,
    OperatorDesk desk,
    AlarmLog alarms,
    DeadAirDetector deadAir,
    PlayHistory history,
    LiveRecorder recorder,
    ListenerRegistry listeners,
    LiveSources live,
    TimeProvider time,
    ILogger<OperatorsPublisher> logger,
    RadioServer.Edges.EdgesReporter edges) : BackgroundService
{
    /// <summary>At most four live pushes a second: a level meter that moves smoothly enough, and little to send.</summary>
    public static readonly TimeSpan LiveInterval = TimeSpan.FromMilliseconds(250);

    private readonly Channel<AlarmMessage> _alarms = Channel.CreateUnbounded<AlarmMessage>(new UnboundedChannelOptions { SingleReader = true });
    private ITimer? _timer;
    private ITimer? _liveTimer;
    private int _liveChanged;
    private DateTimeOffset _lastSample = DateTimeOffset.MinValue;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        deadAir.Changed += OnDeadAir;
        history.HealthChanged += OnHistoryHealth;
        history.Played += OnPlayed;
        live.Changed += OnLiveChanged;
        recorder.HealthChanged += OnRecordingHealth;
        edges.HealthChanged += OnOriginHealth;
        Sample(time.GetUtcNow());
        _timer = time.CreateTimer(_ => Tick(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        _liveTimer = time.CreateTimer(_ => LiveTick(), null, LiveInterval, LiveInterval);
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        deadAir.Changed -= OnDeadAir;
        history.HealthChanged -= OnHistoryHealth;
        history.Played -= OnPlayed;
        live.Changed -= OnLiveChanged;
        recorder.HealthChanged -= OnRecordingHealth;
        edges.HealthChanged -= OnOriginHealth;
        if (_timer is not null)
        {
            await _timer.DisposeAsync();
        }
        if (_liveTimer is not null)
        {
            await _liveTimer.DisposeAsync();
        }
        _alarms.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var alarm in _alarms.Reader.ReadAllAsync(stoppingToken))
            {
                alarms.Add(alarm);
                Send(hub.Clients.Group(OperatorsPresence.OperatorsGroup).Alarm(alarm));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    // On the audio thread: log and enqueue only.
    private void OnDeadAir(DeadAirEvent e)
    {
        string message;
        if (e.Active)
        {
            message = FormattableString.Invariant($"Dead air: output under {deadAir.ThresholdDbfs:0.#} dBFS for {e.SilentSeconds:0.0} s (stream time {e.StreamTime:0.0} s).");
            Log.DeadAir(logger, deadAir.ThresholdDbfs, e.SilentSeconds, e.StreamTime);
        }
        else
        {
            message = FormattableString.Invariant($"Dead air over after {e.SilentSeconds:0.0} s (stream time {e.StreamTime:0.0} s).");
            Log.DeadAirOver(logger, e.SilentSeconds, e.StreamTime);
        }
        _alarms.Writer.TryWrite(new AlarmMessage("deadAir", e.Active, message, e.At));
    }

    private void OnHistoryHealth(bool failing, string message) =>
        _alarms.Writer.TryWrite(new AlarmMessage("history", failing, message, time.GetUtcNow()));

    // On the air chain's thread (frames dropped) or the recorder's: enqueue only. The recorder logs its own.
    private void OnRecordingHealth(bool failing, string message) =>
        _alarms.Writer.TryWrite(new AlarmMessage("recording", failing, message, time.GetUtcNow()));

    // On an edge, from its relay (the origin away past the alarm time, or back): enqueue only. The relay logs its own.
    private void OnOriginHealth(bool failing, string message) =>
        _alarms.Writer.TryWrite(new AlarmMessage("origin", failing, message, time.GetUtcNow()));

    private void OnPlayed(HistoryEntry entry)
    {
        if (presence.Watched)
        {
            Send(hub.Clients.Group(OperatorsPresence.OperatorsGroup).Played(entry));
        }
    }

    // On any thread, the air chain's too: a flag for the next live tick, nothing more.
    private void OnLiveChanged() => Volatile.Write(ref _liveChanged, 1);

    /// <summary>Every <see cref="LiveInterval"/>: the live status to the operators, when it changed or a source is connected.</summary>
    internal void LiveTick()
    {
        var changed = Interlocked.Exchange(ref _liveChanged, 0) == 1;
        if (presence.Watched && (changed || live.Current is not null))
        {
            Send(hub.Clients.Group(OperatorsPresence.OperatorsGroup).Live(live.Status(withSources: true, withAddresses: true)));
        }
    }

    internal void Tick()
    {
        var now = time.GetUtcNow();
        var point = new ListenerPoint(now, listeners.Count);
        if (now - _lastSample >= OperatorDesk.SeriesInterval)
        {
            Sample(now);
        }
        if (presence.Watched)
        {
            Send(hub.Clients.Group(OperatorsPresence.OperatorsGroup).OperatorUpdate(desk.Update(point)));
        }
    }

    private void Sample(DateTimeOffset now)
    {
        _lastSample = now;
        desk.Sample(new ListenerPoint(now, listeners.Count));
    }

    private void Send(Task send)
    {
        if (!send.IsCompletedSuccessfully)
        {
            send.ContinueWith(t => Log.SendFailed(logger, t.Exception!), CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Critical, "DEAD AIR: output under {Threshold} dBFS for {Seconds:F1} s (stream time {StreamTime:F1} s).", EventName = "DeadAir")]
        public static partial void DeadAir(ILogger logger, double threshold, double seconds, double streamTime);

        [LoggerMessage(2, LogLevel.Warning, "Dead air over after {Seconds:F1} s (stream time {StreamTime:F1} s).", EventName = "DeadAirOver")]
        public static partial void DeadAirOver(ILogger logger, double seconds, double streamTime);

        [LoggerMessage(3, LogLevel.Warning, "Pushing to operators failed.", EventName = "OperatorSendFailed")]
        public static partial void SendFailed(ILogger logger, Exception exception);
    }
}
