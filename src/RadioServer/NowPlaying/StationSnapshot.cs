using Microsoft.Extensions.Options;
using RadioServer.Audio;
using RadioServer.Scheduling;
using RadioServer.Station;
using RadioServer.Streaming;
using RadioServer.Streaming.Listeners;

namespace RadioServer.NowPlaying;

/// <summary>
/// Reads the station's state for the hub: what is on air, the last tracks, listeners and stream health.
/// The track history is kept here (five tracks), fed by the publisher; everything else is read live.
/// </summary>
public sealed class StationSnapshot
{
    private const int RecentCount = 5;
    private readonly Lock _gate = new();
    private readonly LinkedList<TrackMessage> _recent = new();
    private readonly RadioOptions _options;
    private readonly ScheduleStore _schedule;
    private readonly BroadcastBuffer _buffer;
    private readonly ListenerRegistry _listeners;
    private readonly AirChain _chain;
    private readonly TimeProvider _time;
    private TrackMessage? _nowPlaying;

    internal StationSnapshot(IOptions<RadioOptions> options, ScheduleStore schedule, BroadcastBuffer buffer, ListenerRegistry listeners, AirChain chain, TimeProvider time)
    {
        _options = options.Value;
        _schedule = schedule;
        _buffer = buffer;
        _listeners = listeners;
        _chain = chain;
        _time = time;
        Station = new StationInfo(_options.StationName, _options.Description, _options.Genre, _options.Url, _options.MountPath, _options.BitrateKbps,
            _options.BurstSizeBytes * 8.0 / (_options.BitrateKbps * 1000.0));
    }

    public StationInfo Station { get; }

    public RadioState State()
    {
        TrackMessage? now;
        TrackMessage[] recent;
        lock (_gate)
        {
            now = _nowPlaying ?? (_buffer.CurrentTrack is { } mark ? TrackMessage.From(mark, _options.BitrateKbps) : null);
            recent = [.. _recent];
        }
        return new RadioState(Station, OnAir(), now, recent, _listeners.Count, Stream(), LiveStreamTime, _time.GetUtcNow());
    }

    internal int ListenerCount => _listeners.Count;

    internal double LiveStreamTime => TrackMessage.StreamTimeOf(_buffer.EndPosition, _options.BitrateKbps);

    internal OnAirMessage OnAir() => ScheduleView.OnAir(_schedule.Current, _time.GetUtcNow());

    internal StreamStatusMessage Stream() =>
        new(_chain.IsRunning ? "on-air" : "off-air", _options.BitrateKbps, Math.Round(_chain.Lag.TotalSeconds, 3), _chain.Underruns, LiveStreamTime);

    /// <summary>Records a new track; the one before moves into the history.</summary>
    internal TrackMessage TrackStarted(TrackMark mark)
    {
        var message = TrackMessage.From(mark, _options.BitrateKbps);
        lock (_gate)
        {
            if (_nowPlaying is not null)
            {
                _recent.AddFirst(_nowPlaying);
                while (_recent.Count > RecentCount)
                {
                    _recent.RemoveLast();
                }
            }
            _nowPlaying = message;
        }
        return message;
    }
}
