using RadioServer.Audio;
using RadioServer.Library;
using RadioServer.Live.Recording;
using RadioServer.Scheduling;

namespace RadioServer.Live;

/// <summary>
/// Decides, frame by frame on the air chain's thread, which live source is heard: the master source (the operator's)
/// whenever it is there, else the host of the slot's <see cref="LiveSession"/> once their takeover is due (the slot
/// boundary, the end of the running track, or at once), else nothing (automation). Every connected source is read at
/// real time whether heard or not — a host in standby is decoded, metered and discarded — so whoever goes on air is
/// heard with no backlog. A source that stalls for the grace time, or is silent (below -50 dBFS) for the show's
/// silence fallback, gives way to automation until it is heard again; one that disconnects plays out what it buffered.
/// At the slot's close the host's source is ended. Sources are attached and ended from other threads, under one lock
/// taken once per frame.
/// </summary>
internal sealed partial class LiveDirector : ILiveFeed
{
    private const int FrameSamples = StationFormat.FrameSamples;
    private static readonly float s_silence = MathF.Pow(10, -50 / 20f);

    private readonly Lock _gate = new();
    private readonly ILiveRecorder _recorder;
    private readonly TimeSpan _masterGrace;
    private readonly TimeSpan _masterSilence = LiveRules.Default.SilenceFallback;
    private readonly ILogger _logger;
    private readonly float[] _masterFrame = new float[FrameSamples * StationFormat.Channels];
    private readonly float[] _hostFrame = new float[FrameSamples * StationFormat.Channels];
    private readonly TrackInfo _masterTitle;
    private LiveSource? _master;
    private LiveSource? _host;
    private LiveSession? _session;

    // The air thread's own.
    private LiveSource? _onAir;
    private int _read;
    private LiveSession? _recording;
    private bool _trackSinceSlotStart;
    private long _liveFrames;
    private long _pastUnderruns;
    private readonly LiveGain _masterGain;
    private readonly LiveGain _hostGain;

    public LiveDirector(ILiveRecorder recorder, TimeSpan masterGrace, string masterTitle, ILogger logger, SoundOptions? sound = null)
    {
        _recorder = recorder;
        _masterGain = new LiveGain(sound ?? new SoundOptions());
        _hostGain = new LiveGain(sound ?? new SoundOptions());
        _masterGrace = masterGrace;
        _logger = logger;
        _masterTitle = new TrackInfo("live:master", "", "", masterTitle, null, TimeSpan.Zero);
    }

    /// <summary>Raised (on any thread, keep it short) when a source comes or goes, or what is on air or in standby changes.</summary>
    public event Action? Changed;

    public bool OnAir => _onAir is not null;

    public TrackInfo Title => _onAir switch
    {
        { IsMaster: true } master => master.Title ?? _masterTitle,
        { Session: { } session } => session.Title,
        _ => _masterTitle,
    };

    /// <summary>Seconds of live programme on air since the start.</summary>
    public double LiveSeconds => Interlocked.Read(ref _liveFrames) * (double)FrameSamples / StationFormat.SampleRate;

    /// <summary>The source heard now, if any.</summary>
    public LiveSource? OnAirSource => _onAir;

    /// <summary>Times the air chain found a live source's buffer empty, since the start.</summary>
    public long Underruns
    {
        get
        {
            lock (_gate)
            {
                return _pastUnderruns + (_master?.Buffer.Underruns ?? 0) + (_host?.Buffer.Underruns ?? 0);
            }
        }
    }

    public (LiveSource? Master, LiveSource? Host, LiveSession? Session) Snapshot()
    {
        lock (_gate)
        {
            return (_master, _host, _session);
        }
    }

    /// <summary>The host's session for <paramref name="slot"/>: the running one when it is that slot's (a reconnect), else a new one.</summary>
    public LiveSession SessionFor(SlotOccurrence slot, string host, TimeZoneInfo zone, TimeSpan grace)
    {
        lock (_gate)
        {
            return _session is { State: not LiveState.Ended } running && running.IsFor(slot) ? running : new LiveSession(slot, host, zone, grace);
        }
    }

    /// <summary>Attaches a source that passed its checks; false when the mount is in use (the first source stays).</summary>
    public bool TryAttach(LiveSource source, DateTimeOffset now)
    {
        lock (_gate)
        {
            if (source.IsMaster)
            {
                if (_master is { Disconnected: false })
                {
                    return false;
                }
                _pastUnderruns += _master?.Buffer.Underruns ?? 0;
                _master = source;
            }
            else
            {
                if (_host is { Disconnected: false })
                {
                    return false;
                }
                var session = source.Session!;
                if (!ReferenceEquals(_session, session))
                {
                    if (_session is { } previous)
                    {
                        previous.State = LiveState.Ended;
                    }
                    _session = session;
                }
                session.Host = source.Account;
                _pastUnderruns += _host?.Buffer.Underruns ?? 0;
                // A reconnect within the slot takes over again at once; a first connection waits for its takeover.
                session.State = session.EverOnAir && now >= session.Slot.StartUtc ? LiveState.OnAir : LiveState.Standby;
                _host = source;
            }
        }
        Changed?.Invoke();
        return true;
    }

    /// <summary>A source's socket closed: it plays out what it buffered, then it is gone (called by its reading task).</summary>
    public void Detached(LiveSource source)
    {
        lock (_gate)
        {
            if (ReferenceEquals(_host, source) && _session is { State: LiveState.OnAir or LiveState.Standby } session)
            {
                session.State = session.EverOnAir ? LiveState.Dropped : LiveState.Standby;
            }
        }
        Changed?.Invoke();
    }

    /// <summary>The host asks to go on air now (from standby); false when no host is waiting.</summary>
    public bool GoOnAirNow()
    {
        lock (_gate)
        {
            if (_session is not { State: LiveState.Standby } session || _host is not { Disconnected: false })
            {
                return false;
            }
            session.GoNow = true;
        }
        return true;
    }

    public void BeginFrame(DateTimeOffset instant, bool automationTrackStarted)
    {
        LiveSource? master, host;
        LiveSession? session;
        var changed = false;
        lock (_gate)
        {
            if (_master is { Disconnected: true } m && m.Buffer.Count == 0)
            {
                _pastUnderruns += m.Buffer.Underruns;
                _master = null;
                changed = true;
            }
            if (_host is { Disconnected: true } h && h.Buffer.Count == 0)
            {
                _pastUnderruns += h.Buffer.Underruns;
                _host = null;
                changed = true;
            }
            if (_session is { } closing && (closing.State == LiveState.Ended || instant >= closing.Closes))
            {
                // The slot is over: the host's source is ended, and reconnects are refused (the slot's window has closed).
                if (closing.State != LiveState.Ended)
                {
                    closing.State = LiveState.Ended;
                    Log.SlotClosed(_logger, closing.Show.Title, closing.Host, closing.Closes);
                }
                if (_host is { } ending && ReferenceEquals(ending.Session, closing))
                {
                    ending.End($"the slot of {closing.Show.Title} ended at {closing.Closes:HH:mm:ss} UTC");
                    ending.Buffer.Clear();
                    _pastUnderruns += ending.Buffer.Underruns;
                    _host = null;
                }
                _session = null;
                changed = true;
            }
            if (_session is { State: LiveState.Standby } waiting && _host is { } standby && TakeoverDue(waiting, instant, automationTrackStarted) && standby.Buffer.Ready)
            {
                waiting.State = LiveState.OnAir;
                waiting.EverOnAir = true;
                waiting.OnAirSince ??= instant;
                changed = true;
            }
            master = _master;
            host = _host;
            session = _session;
        }
        var masterRead = Pull(master, _masterFrame);
        var hostRead = Pull(host, _hostFrame);
        _masterGain.Apply(master, _masterFrame.AsSpan(0, masterRead));
        _hostGain.Apply(host, _hostFrame.AsSpan(0, hostRead));
        LiveSource? next = null;
        if (master is not null && Usable(master, _masterGrace, _masterSilence))
        {
            next = master;
            _read = masterRead;
        }
        else if (host is not null && session is { State: LiveState.OnAir or LiveState.Dropped } && Usable(host, session.Grace, session.Show.Live.SilenceFallback))
        {
            next = host;
            _read = hostRead;
        }
        if (!ReferenceEquals(next, _onAir))
        {
            _onAir = next;
            changed = true;
        }
        if (next is not null)
        {
            Interlocked.Increment(ref _liveFrames);
        }
        // The slot's recording: from its first moment on air to the session's end, across drops and reconnects.
        if (_recording is not null && !ReferenceEquals(_recording, session))
        {
            _recorder.End();
            _recording = null;
        }
        if (_recording is null && session is { EverOnAir: true, State: not LiveState.Ended })
        {
            _recorder.Begin(session.Recording);
            _recording = session;
        }
        if (changed)
        {
            Changed?.Invoke();
        }

        bool TakeoverDue(LiveSession s, DateTimeOffset now, bool trackStarted)
        {
            if (s.GoNow || s.Show.Live.Takeover == LiveTakeover.Immediate)
            {
                return true;
            }
            if (now < s.Slot.StartUtc)
            {
                _trackSinceSlotStart = false;
                return false;
            }
            _trackSinceSlotStart |= trackStarted;
            return s.Show.Live.Takeover == LiveTakeover.Boundary || _trackSinceSlotStart;
        }
    }

    public int Read(Span<float> samples)
    {
        var from = _onAir switch
        {
            null => default,
            { IsMaster: true } => _masterFrame.AsSpan(0, _read),
            _ => _hostFrame.AsSpan(0, _read),
        };
        var count = Math.Min(from.Length, samples.Length);
        from[..count].CopyTo(samples);
        return count;
    }

    public void EndFrame(ReadOnlySpan<float> program)
    {
        if (_recording is not null)
        {
            _recorder.Write(program);
        }
    }

    /// <summary>Takes the source's next frame (whether heard or not), meters it and counts stalls and silence.</summary>
    private static int Pull(LiveSource? source, float[] frame)
    {
        if (source is null)
        {
            return 0;
        }
        var read = source.Buffer.Read(frame);
        read -= read % StationFormat.Channels;
        var peak = 0f;
        var energy = 0d;
        for (var i = 0; i < read; i++)
        {
            var s = Math.Abs(frame[i]);
            peak = Math.Max(peak, s);
            energy += s * s;
        }
        source.Peak = Math.Max(peak, source.Peak * 0.8f);
        source.LevelDb = source.Peak > 0 ? 20 * Math.Log10(source.Peak) : double.NegativeInfinity;
        if (read > 0)
        {
            source.Flowing = true;
        }
        source.StarvedFrames = read == frame.Length ? 0 : source.StarvedFrames + ((frame.Length - read) / StationFormat.Channels);
        var rms = read == 0 ? 0 : Math.Sqrt(energy / read);
        source.SilentFrames = read > 0 && rms >= s_silence ? 0 : source.SilentFrames + (read / StationFormat.Channels);
        return read;
    }

    private static bool Usable(LiveSource source, TimeSpan grace, TimeSpan silence) =>
        source.Flowing
        && source.StarvedFrames < grace.TotalSeconds * StationFormat.SampleRate
        && source.SilentFrames < silence.TotalSeconds * StationFormat.SampleRate;

    private static partial class Log
    {
        [LoggerMessage(20, LogLevel.Information, "The live slot of {Show} ({Host}) closed at {Closes:u}: the source is ended, reconnects are refused.", EventName = "LiveSlotClosed")]
        public static partial void SlotClosed(ILogger logger, string show, string host, DateTimeOffset closes);
    }
}
