using NAudio.Wave;
using RadioServer.Audio.Decoding;
using RadioServer.Audio.Playout;
using RadioServer.Library;

namespace RadioServer.Audio;

/// <summary>
/// Plays one item after another from an <see cref="IPlayoutSource"/> as one endless station-format signal: each at its
/// normalisation gain (<c>Radio:Sound:TargetLufs</c>, at most <c>MaxGainDb</c>, one constant gain per item), from its
/// cue-in to its cue-out, the next one opened early and started under the ending when the two sides' analysis allows a
/// crossfade (<see cref="TransitionRules"/>). A file that cannot be opened or fails while decoding ends that item only:
/// the next one starts inside the same read, so a bad file costs no air time. With nothing to play it reads silence.
/// A slot boundary's cut wins over any crossfade. Owns no thread; called only by the air chain.
/// </summary>
internal sealed partial class PlayoutSampleProvider : ISampleProvider
{
    /// <summary>A cut fades the running track out over this long, starting this long before the boundary, so the next item starts on time.</summary>
    public static readonly TimeSpan CutFade = TimeSpan.FromMilliseconds(500);

    /// <summary>No fade is shorter than this: shorter ones click (AzuraCast #6749). An overlap the analysis allows only shorter is none.</summary>
    public static readonly TimeSpan MinFade = TimeSpan.FromMilliseconds(300);

    /// <summary>A sequence's fade-out at the end of the outgoing item (at most its fading window).</summary>
    public static readonly TimeSpan SequenceFade = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How early before a cut's fade the playout may ask for the next item and have it chosen for the boundary (a
    /// wake-up of the air chain makes several frames at one clock reading).
    /// </summary>
    public static readonly TimeSpan BoundaryChoiceSlack = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest overlap a schedule or the options may ask for.</summary>
    public static readonly TimeSpan MaxCrossfade = TimeSpan.FromSeconds(20);

    private const int Channels = StationFormat.Channels;
    private static readonly long s_cutFadeFrames = Frames(CutFade);
    private static readonly long s_minFadeFrames = Frames(MinFade);
    private static readonly long s_sequenceFadeFrames = Frames(SequenceFade);

    // Bounds the work of one read when many files in a row are bad; the rest of the block is silence
    // and the next block tries again (bad files have left the rotation by then).
    private const int MaxOpensPerRead = 8;

    private readonly IPlayoutSource _playout;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ITrackSounds _sounds;
    private readonly SoundOptions _options;
    private readonly Func<string, DecodedTrack> _open;
    private float[] _scratch = new float[StationFormat.FrameSamples * Channels * AirChain.FramesPerBlock];
    private PlayoutDeck? _current; // on air; the outgoing item during an overlap
    private PlayoutDeck? _next; // opened for the transition out of _current: waiting until _nextStartsAt, then sounding with it
    private long _nextStartsAt; // in _current's frames
    private long _announceAt = -1; // in _current's frames, when _next's title goes on air; -1: at _current's end
    private long _window = long.MaxValue; // in _current's frames: where its ending is planned; MaxValue: never (opened at its end)
    private long _windowFrames; // the most overlap _current's ending allows
    private TrackInfo? _announced;

    public PlayoutSampleProvider(IPlayoutSource playout, ILogger logger, TimeProvider time, ITrackSounds? sounds = null, SoundOptions? options = null, Func<string, DecodedTrack>? open = null)
    {
        _playout = playout;
        _logger = logger;
        _time = time;
        _sounds = sounds ?? NullTrackSounds.Instance;
        _options = options ?? new SoundOptions();
        _open = open ?? TrackDecoder.Open;
    }

    private enum Opened
    {
        Nothing,
        Bad,
        Deck,
    }

    public WaveFormat WaveFormat => StationFormat.WaveFormat;

    /// <summary>Sample frames (per channel) read so far: the position on the air chain's clock.</summary>
    public long Position { get; private set; }

    /// <summary>
    /// Raised on the audio thread when an item's title goes on air; the argument is the sample frame it does at: its start,
    /// or in an overlap where it becomes the louder of the two (<see cref="Transition.AnnounceAfter"/>). Null: silence.
    /// </summary>
    public event Action<TrackInfo?, long>? TrackStarted;

    /// <summary>The title on air (the last one <see cref="TrackStarted"/> announced).</summary>
    public TrackInfo? CurrentTrack => _announced;

    public int Read(Span<float> buffer)
    {
        var filled = 0;
        var opens = 0;
        while (filled < buffer.Length)
        {
            if (_current is null)
            {
                if (opens++ >= MaxOpensPerRead || Open(null, out var deck) == Opened.Nothing)
                {
                    if (_announced is not null)
                    {
                        Announce(null, filled);
                    }
                    buffer[filled..].Clear();
                    filled = buffer.Length;
                    break;
                }
                if (deck is null)
                {
                    continue; // that file was bad; try the next one
                }
                _current = deck;
                PlanEnding();
                Announce(deck.Track, filled);
            }
            CheckCut();
            var current = _current;
            if (current.Played >= _window)
            {
                _window = long.MaxValue;
                PlanTransition(ref opens);
            }
            var next = _next;
            var sounding = next is not null && current.Played >= _nextStartsAt;
            if (_announceAt >= 0 && current.Played >= _announceAt && next is not null)
            {
                _announceAt = -1;
                Announce(next.Track, filled);
            }
            // Read up to the next event in the current item's timeline, so each happens on its own frame.
            var frames = (long)(buffer.Length - filled) / Channels;
            frames = Math.Min(frames, Until(current.Played, _window));
            frames = Math.Min(frames, Until(current.Played, next is not null && !sounding ? _nextStartsAt : long.MaxValue));
            frames = Math.Min(frames, Until(current.Played, _announceAt));
            var span = buffer.Slice(filled, (int)frames * Channels);
            var read = ReadDeck(current, span);
            if (read <= 0)
            {
                EndCurrent(filled, failed: read < 0);
                continue;
            }
            if (sounding && _next is { } incoming)
            {
                MixIn(incoming, span[..read]);
            }
            filled += read;
        }
        Position += buffer.Length / Channels;
        return buffer.Length;
    }

    private static long Until(long played, long at) => at < 0 || at == long.MaxValue ? long.MaxValue : Math.Max(1, at - played);

    private static long Frames(TimeSpan span) => (long)Math.Round(span.TotalSeconds * StationFormat.SampleRate);

    /// <summary>A slot boundary: the newest item's cut (asked every read) fades everything sounding out over <see cref="CutFade"/>.</summary>
    private void CheckCut()
    {
        var current = _current!;
        if (current.Cutting)
        {
            return;
        }
        var newest = _next ?? current;
        if (_playout.CutAt(newest.Track) is not { } cutAt || _time.GetUtcNow() < cutAt - CutFade)
        {
            return;
        }
        Log.TrackCut(_logger, newest.Track.DisplayTitle, cutAt);
        current.Cut(s_cutFadeFrames);
        _window = long.MaxValue;
        if (_next is { } next)
        {
            if (current.Played >= _nextStartsAt)
            {
                next.Cut(s_cutFadeFrames); // sounding: fades with the outgoing one and ends with it
            }
            else
            {
                next.Dispose(); // never heard; the boundary's item comes after the cut
                _next = null;
                _announceAt = -1;
            }
        }
    }

    /// <summary>Where the current item's ending is planned: its fading window (FadeOutStart to cue-out, at most the crossfade), if it has one.</summary>
    private void PlanEnding()
    {
        _window = long.MaxValue;
        _windowFrames = 0;
        _announceAt = -1;
        var deck = _current!;
        if (deck.Cutting || deck.Sound is not { } sound || deck.Length == long.MaxValue)
        {
            return; // no analysis (or cut): the next item is opened at its end, back to back
        }
        var window = CrossfadeFrames(deck.Track);
        if (sound.FadeOutStart is { } fadeOutStart && sound.CueOut is { } cueOut)
        {
            window = Math.Min(window, Math.Max(0, Frames(cueOut - fadeOutStart)));
        }
        if (window < s_minFadeFrames || deck.Length < 2 * window)
        {
            return; // crossfades off, an abrupt ending, or a jingle: it plays whole and nothing overlaps its end
        }
        _windowFrames = window;
        _window = Math.Max(deck.Played, deck.Length - window);
    }

    /// <summary>At the current item's fading window: choose and open the next item now, and plan the two sides' fades.</summary>
    private void PlanTransition(ref int opens)
    {
        var current = _current!;
        var endsAt = _time.GetUtcNow() + TimeSpan.FromSeconds(current.Remaining / (double)StationFormat.SampleRate);
        if (_playout.CutAt(current.Track) is { } cutAt && cutAt - CutFade - BoundaryChoiceSlack < endsAt)
        {
            // A boundary's cut comes first, and wins: no early choice of the next item (which would be chosen for the
            // boundary, and heard before it). The item plays on to its cut, or to its cue-out just before it.
            return;
        }
        PlayoutDeck? next = null;
        while (next is null && opens++ < MaxOpensPerRead)
        {
            if (Open(endsAt, out next) == Opened.Nothing)
            {
                return; // nothing to follow: the item plays to its cue-out
            }
        }
        if (next is null)
        {
            return;
        }
        var transition = Choose(current, next);
        _next = next;
        _nextStartsAt = current.Length - transition.Overlap;
        _announceAt = transition.Overlap > 0 ? _nextStartsAt + transition.AnnounceAfter : -1;
        if (transition.FadeOut > 0)
        {
            current.FadeOut(transition.FadeOut);
        }
        if (transition.FadeIn > 0)
        {
            next.FadeIn(transition.FadeIn);
        }
        Log.Transition(_logger, transition.Kind, transition.Overlap / (double)StationFormat.SampleRate, current.Track.DisplayTitle, next.Track.DisplayTitle);
    }

    /// <summary>The transition from <paramref name="a"/> into <paramref name="b"/>: overlap, fades, by the smart rules on their levels on air.</summary>
    private Transition Choose(PlayoutDeck a, PlayoutDeck b)
    {
        if (b.Sound is not { } start || b.Length == long.MaxValue)
        {
            return Transition.None; // the incoming item has no analysis: back to back, nothing of it faded
        }
        var overlap = Math.Min(_windowFrames, CrossfadeFrames(b.Track));
        if (overlap < s_minFadeFrames)
        {
            return Transition.None; // crossfades off on the incoming side
        }
        if (b.Length < 2 * overlap)
        {
            return new Transition(TransitionKind.Sequence, 0, Math.Min(overlap, s_sequenceFadeFrames), 0); // a jingle plays whole, in sequence
        }
        var end = Level(a.Sound!.EndLufs, a.Sound!, a.GainDb);
        var begin = Level(start.StartLufs, start, b.GainDb);
        return TransitionRules.Choose(end, begin, _options.TargetLufs) switch
        {
            TransitionKind.Crossfade => new Transition(TransitionKind.Crossfade, overlap, overlap, overlap),
            TransitionKind.FadeOutOnly => new Transition(TransitionKind.FadeOutOnly, overlap, overlap, 0),
            TransitionKind.FadeInOnly => new Transition(TransitionKind.FadeInOnly, overlap, 0, overlap),
            _ => new Transition(TransitionKind.Sequence, 0, Math.Min(overlap, s_sequenceFadeFrames), 0),
        };
    }

    /// <summary>A side's level on air: its short-term level there (else its integrated loudness) plus its gain.</summary>
    private double Level(double? level, TrackSound sound, double gainDb)
    {
        var raw = level ?? sound.IntegratedLufs;
        return double.IsNaN(raw) ? _options.TargetLufs : raw + gainDb;
    }

    private long CrossfadeFrames(TrackInfo track)
    {
        var seconds = _playout.CrossfadeFor(track) ?? TimeSpan.FromSeconds(_options.CrossfadeSeconds);
        return Frames(seconds < TimeSpan.Zero ? TimeSpan.Zero : seconds > MaxCrossfade ? MaxCrossfade : seconds);
    }

    /// <summary>The normalisation gain: target minus the item's integrated loudness, at most MaxGainDb (a silent item too), any attenuation.</summary>
    internal static double GainDb(TrackSound? sound, SoundOptions options) =>
        !options.Normalize || sound is null || double.IsNaN(sound.IntegratedLufs) ? 0 : Math.Min(options.TargetLufs - sound.IntegratedLufs, options.MaxGainDb);

    private Opened Open(DateTimeOffset? currentEnds, out PlayoutDeck? deck)
    {
        deck = null;
        var track = currentEnds is { } at ? _playout.Next(at) : _playout.Next();
        if (track is null)
        {
            return Opened.Nothing;
        }
        DecodedTrack? decoded = null;
        try
        {
            decoded = _open(track.Path);
            var sound = _sounds.Find(track);
            var gain = GainDb(sound, _options);
            var length = sound?.CueOut is { } cueOut && cueOut > sound.CueIn ? Frames(cueOut - sound.CueIn) : long.MaxValue;
            deck = new PlayoutDeck(track, decoded, sound, gain, length);
            if (sound is { CueIn: var cueIn } && cueIn > TimeSpan.Zero)
            {
                // Leading silence read and dropped, not sought: every decoder can, and it is at most seconds of decoding.
                deck.Skip(Frames(cueIn), _scratch);
            }
            Log.TrackOpened(_logger, track.DisplayTitle, track.RelativePath, decoded.SourceFormat.SampleRate, decoded.SourceFormat.Channels);
            if (sound is not null)
            {
                Log.ItemSound(_logger, track.DisplayTitle, gain, sound.CueIn.TotalSeconds, sound.CueOut?.TotalSeconds, sound.Source);
            }
            return Opened.Deck;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            decoded?.Dispose();
            deck = null;
            Log.TrackSkipped(_logger, track.Path, ex.Message);
            _playout.Failed(track);
            return Opened.Bad; // "opened nothing, try the next one"
        }
    }

    /// <summary>Samples read (whole frames, gains applied); 0 at the item's end; -1 when its file failed (reported, and the item closed by the caller).</summary>
    private int ReadDeck(PlayoutDeck deck, Span<float> buffer)
    {
        try
        {
            return deck.Read(buffer);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.TrackFailed(_logger, deck.Track.Path, deck.Played / (double)StationFormat.SampleRate, ex.Message);
            _playout.Failed(deck.Track);
            return -1;
        }
    }

    /// <summary>Adds the incoming item, sounding under the outgoing one, into <paramref name="mix"/>.</summary>
    private void MixIn(PlayoutDeck incoming, Span<float> mix)
    {
        if (_scratch.Length < mix.Length)
        {
            _scratch = new float[mix.Length]; // only for a read longer than the air chain's block
        }
        var samples = _scratch.AsSpan(0, mix.Length);
        var got = 0;
        while (got < samples.Length)
        {
            var read = ReadDeck(incoming, samples[got..]);
            if (read <= 0)
            {
                // Ended inside the overlap (shorter than its analysis said) or failed: it has played.
                incoming.Dispose();
                _next = null;
                _announceAt = -1;
                break;
            }
            got += read;
        }
        for (var i = 0; i < got; i++)
        {
            mix[i] += samples[i];
        }
    }

    /// <summary>The current item ended (or failed): the next one, opened for the transition, takes its place.</summary>
    private void EndCurrent(int filled, bool failed)
    {
        var ended = _current!;
        if (!failed && !ended.ProducedAudio)
        {
            // Opened but produced nothing: a truncated file or one with headers and no audio.
            Log.TrackSkipped(_logger, ended.Track.Path, "no audio could be decoded");
            _playout.Failed(ended.Track);
        }
        ended.Dispose();
        _current = _next;
        _next = null;
        if (_current is null)
        {
            _window = long.MaxValue;
            _announceAt = -1;
            return;
        }
        if (!ReferenceEquals(_announced, _current.Track) || _announceAt >= 0 || _current.Played == 0)
        {
            Announce(_current.Track, filled);
        }
        PlanEnding();
    }

    private void Announce(TrackInfo? track, int filled)
    {
        _announced = track;
        TrackStarted?.Invoke(track, Position + (filled / Channels));
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Now playing {Title} ({File}, {SampleRate} Hz, {Channels} ch).", EventName = "TrackOpened")]
        public static partial void TrackOpened(ILogger logger, string title, string file, int sampleRate, int channels);

        [LoggerMessage(2, LogLevel.Warning, "Skipped media file {File}: {Reason}.", EventName = "TrackSkipped")]
        public static partial void TrackSkipped(ILogger logger, string file, string reason);

        [LoggerMessage(4, LogLevel.Information, "Cutting {Title} for the slot boundary at {CutAt:O}.", EventName = "TrackCut")]
        public static partial void TrackCut(ILogger logger, string title, DateTimeOffset cutAt);

        [LoggerMessage(3, LogLevel.Warning, "Media file {File} failed after {Seconds:F1} s and was cut: {Reason}.", EventName = "TrackFailed")]
        public static partial void TrackFailed(ILogger logger, string file, double seconds, string reason);

        [LoggerMessage(5, LogLevel.Debug, "{Title}: gain {GainDb:+0.0;-0.0;0} dB, cue-in {CueIn:F2} s, cue-out {CueOut:F2} s ({Source}).", EventName = "PlayoutItemSound")]
        public static partial void ItemSound(ILogger logger, string title, double gainDb, double cueIn, double? cueOut, TrackSoundSource source);

        [LoggerMessage(6, LogLevel.Debug, "Transition {Kind} ({Overlap:F2} s overlap) from {From} into {To}.", EventName = "PlayoutTransition")]
        public static partial void Transition(ILogger logger, TransitionKind kind, double overlap, string from, string to);
    }
}
