using RadioServer.Library;

namespace RadioServer.Audio;

/// <summary>
/// What goes on air, frame by frame: automation (the <see cref="PlayoutSampleProvider"/>) or live (the
/// <see cref="ILiveFeed"/>, which decides when). When live comes on, the host is at full level at once and automation
/// fades out under the host's first second; when it goes off, automation fades back in (0.5 s) where it was paused.
/// Counted in samples of the stream, so it is exact on any clock. Only the air chain's thread calls it.
/// </summary>
internal sealed class ProgramMixer
{
    /// <summary>How long automation fades out under a host who goes on air.</summary>
    public static readonly TimeSpan FadeUnderLive = TimeSpan.FromSeconds(1);

    /// <summary>How long automation fades back in after a live source.</summary>
    public static readonly TimeSpan FadeBack = TimeSpan.FromMilliseconds(500);

    private readonly PlayoutSampleProvider _playout;
    private readonly ILiveFeed _live;
    private readonly int _fadeUnderSamples = (int)(FadeUnderLive.TotalSeconds * StationFormat.SampleRate);
    private readonly int _fadeBackSamples = (int)(FadeBack.TotalSeconds * StationFormat.SampleRate);
    private float[] _automation = [];
    private Mode _mode;
    private int _fade; // sample frames into the current fade
    private bool _trackStarted;
    private TrackInfo? _liveTitle;

    public ProgramMixer(PlayoutSampleProvider playout, ILiveFeed live)
    {
        _playout = playout;
        _live = live;
        _playout.TrackStarted += (track, _) =>
        {
            _trackStarted = true;
            if (_mode is Mode.Automation or Mode.FadingBack)
            {
                TitleChanged?.Invoke(track);
            }
        };
    }

    private enum Mode
    {
        Automation,
        FadingToLive,
        Live,
        FadingBack,
    }

    /// <summary>Raised on the audio thread when what is on air changes title: a track, the live source's title, or nothing.</summary>
    public event Action<TrackInfo?>? TitleChanged;

    /// <summary>Whether live is on air (including the fade under its first second).</summary>
    public bool LiveOnAir => _mode is Mode.FadingToLive or Mode.Live;

    /// <summary>Fills <paramref name="frame"/> with what goes on air at <paramref name="instant"/> (the frame's time on the stream clock).</summary>
    public void Read(Span<float> frame, DateTimeOffset instant)
    {
        _live.BeginFrame(instant, _trackStarted);
        _trackStarted = false;
        var live = _live.OnAir;
        if (live && _mode is Mode.Automation or Mode.FadingBack)
        {
            _mode = Mode.FadingToLive;
            _fade = 0;
            AnnounceLive();
        }
        else if (!live && _mode is Mode.FadingToLive or Mode.Live)
        {
            _mode = Mode.FadingBack;
            _fade = 0;
            _liveTitle = null;
            TitleChanged?.Invoke(_playout.CurrentTrack);
        }
        var frames = frame.Length / StationFormat.Channels;
        switch (_mode)
        {
            case Mode.Automation:
                _playout.Read(frame);
                break;
            case Mode.FadingBack:
                _playout.Read(frame);
                for (var i = 0; i < frames && _fade < _fadeBackSamples; i++, _fade++)
                {
                    var gain = _fade / (float)_fadeBackSamples;
                    frame[2 * i] *= gain;
                    frame[(2 * i) + 1] *= gain;
                }
                if (_fade >= _fadeBackSamples)
                {
                    _mode = Mode.Automation;
                }
                break;
            case Mode.FadingToLive:
                if (_automation.Length < frame.Length)
                {
                    _automation = new float[frame.Length];
                }
                var automation = _automation.AsSpan(0, frame.Length);
                _playout.Read(automation);
                ReadLive(frame);
                for (var i = 0; i < frames; i++, _fade++)
                {
                    var gain = _fade >= _fadeUnderSamples ? 0 : 1 - (_fade / (float)_fadeUnderSamples);
                    frame[2 * i] += automation[2 * i] * gain;
                    frame[(2 * i) + 1] += automation[(2 * i) + 1] * gain;
                }
                if (_fade >= _fadeUnderSamples)
                {
                    _mode = Mode.Live;
                }
                break;
            case Mode.Live:
                ReadLive(frame);
                break;
        }
        if (LiveOnAir && !ReferenceEquals(_liveTitle, _live.Title))
        {
            AnnounceLive();
        }
        _live.EndFrame(frame);
    }

    private void ReadLive(Span<float> frame)
    {
        var read = _live.Read(frame);
        frame[Math.Max(0, read)..].Clear();
    }

    private void AnnounceLive()
    {
        _liveTitle = _live.Title;
        TitleChanged?.Invoke(_liveTitle);
    }
}
