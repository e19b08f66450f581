using Microsoft.Extensions.Options;
using RadioServer.Art;
using RadioServer.Audio;
using RadioServer.Live;
using RadioServer.Scheduling;
using RadioServer.Station;
using RadioServer.Streaming;
using RadioServer.Streaming.Listeners;

namespace RadioServer.NowPlaying;

/// <summary>
/// Reads the station's state for the hub: what is on air, the last tracks, listeners, stream health and LIVE.
/// The track history and what the stream carries (live or automation, and from which position) are kept here,
/// fed by the publisher from the air chain's marks; everything else is read live.
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
    private readonly LiveSources _live;
    private TrackMessage? _nowPlaying;
    private (bool Live, bool Master, long Position) _heard;
    private string? _heardHost;

    internal StationSnapshot(IOptions<RadioOptions> options, ScheduleStore schedule, BroadcastBuffer buffer, ListenerRegistry listeners, AirChain chain, LiveSources live, CoverArt art, TimeProvider time)
    {
        _live = live;
        _options = options.Value;
        _schedule = schedule;
        _buffer = buffer;
        _listeners = listeners;
        _chain = chain;
        _time = time;
        Station = new StationInfo(_options.StationName, _options.Description, _options.Genre, _options.Url, _options.MountPath, _options.BitrateKbps,
            BurstSeconds(_options.BurstSizeBytes, _options.BitrateKbps), CoverArt.UrlOf(art.StationKey));
    }

    /// <summary>
    /// The audio a new listener is sent at once, in seconds: the burst is whole chunks until at least
    /// <paramref name="burstBytes"/> (<see cref="BroadcastBuffer.BurstStart"/>), and a chunk is
    /// <see cref="AirChain.FramesPerBlock"/> frames, so up to a chunk (~104 ms) more than the bytes say:
    /// 40 chunks, 4.180 s, for Icecast's 64 KiB at 128 kbps, not 4.096 s. A page that took the bytes' figure showed
    /// every title ~84 ms early.
    /// </summary>
    internal static double BurstSeconds(int burstBytes, int bitrateKbps)
    {
        var chunkBytes = AirChain.BlockSamples * bitrateKbps * 125.0 / StationFormat.SampleRate;
        var chunks = Math.Ceiling(burstBytes / chunkBytes - 1e-6);
        return Math.Round(chunks * AirChain.BlockSamples / StationFormat.SampleRate, 4);
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
        return new RadioState(Station, OnAir(), now, recent, _listeners.Count, Stream(), LiveStreamTime, _time.GetUtcNow(), Live());
    }

    /// <summary>
    /// LIVE now: the state from the live sources, and what the stream carries from the last mark that changed it. The
    /// air chain decides a frame before it marks the stream, so the marks, not the live sources, say what is heard.
    /// </summary>
    internal LiveMessage Live()
    {
        var status = _live.Status(withSources: false, withAddresses: false);
        lock (_gate)
        {
            // A host's name stays with what is heard while their last buffered audio plays out after the slot closed.
            _heardHost = status.Host ?? (_heard.Live ? _heardHost : null);
            return new LiveMessage(status.State, _heard.Live, _heard.Live && _heard.Master, _heardHost, status.ShowTitle,
                _heard.Position, TrackMessage.StreamTimeOf(_heard.Position, _options.BitrateKbps));
        }
    }

    /// <summary>Notes what the stream carries from <paramref name="mark"/> on; true when that changed (automation and live, or whose live).</summary>
    internal bool Heard(TrackMark mark)
    {
        var live = LiveTrack.IsLive(mark.Track);
        var master = LiveTrack.IsMaster(mark.Track);
        lock (_gate)
        {
            if (live == _heard.Live && master == _heard.Master)
            {
                return false;
            }
            _heard = (live, master, mark.HeardPosition);
            return true;
        }
    }

    internal int ListenerCount => _listeners.Count;

    /// <summary>Where the stream of the listener connected now with <paramref name="tag"/> began; null if there is none (here).</summary>
    internal StreamStartMessage? StreamStart(string? tag) =>
        ListenerRegistry.ValidTag(tag) is { } valid && _listeners.Tagged(valid) is { StartPosition: >= 0 } session
            ? new StreamStartMessage(session.StartPosition, TrackMessage.StreamTimeOf(session.StartPosition, _options.BitrateKbps))
            : null;

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
