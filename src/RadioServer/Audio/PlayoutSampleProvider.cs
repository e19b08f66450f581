using NAudio.Wave;
using RadioServer.Audio.Decoding;
using RadioServer.Library;

namespace RadioServer.Audio;

/// <summary>
/// Plays one track after another from an <see cref="IPlayoutSource"/> as one endless station-format
/// signal. A file that cannot be opened or fails while decoding ends that item only: the next one
/// starts inside the same read, so a bad file costs no air time. With nothing to play it reads silence.
/// Owns no thread; called only by the air chain.
/// </summary>
internal sealed partial class PlayoutSampleProvider(IPlayoutSource playout, ILogger logger, TimeProvider time, Func<string, DecodedTrack>? open = null) : ISampleProvider
{
    /// <summary>A cut fades the running track out over this long, starting this long before the boundary, so the next item starts on time.</summary>
    public static readonly TimeSpan CutFade = TimeSpan.FromMilliseconds(500);

    private static readonly int s_cutFadeSamples = (int)(CutFade.TotalSeconds * StationFormat.SampleRate);

    // Bounds the work of one read when many files in a row are bad; the rest of the block is silence
    // and the next block tries again (bad files have left the rotation by then).
    private const int MaxOpensPerRead = 8;

    private readonly Func<string, DecodedTrack> _open = open ?? TrackDecoder.Open;
    private DecodedTrack? _current;
    private TrackInfo? _currentTrack;
    private long _currentSamplesRead;
    private int _fadeLeft = -1; // sample frames of fade-out left; -1 when not cutting

    public WaveFormat WaveFormat => StationFormat.WaveFormat;

    /// <summary>Sample frames (per channel) read so far: the position on the air chain's clock.</summary>
    public long Position { get; private set; }

    /// <summary>Raised on the audio thread when a track starts; the argument is the sample frame it starts at.</summary>
    public event Action<TrackInfo?, long>? TrackStarted;

    public TrackInfo? CurrentTrack => _currentTrack;

    public int Read(Span<float> buffer)
    {
        var filled = 0;
        var opens = 0;
        while (filled < buffer.Length)
        {
            if (_current is null)
            {
                if (opens++ >= MaxOpensPerRead || !TryOpenNext())
                {
                    if (_currentTrack is not null)
                    {
                        _currentTrack = null;
                        TrackStarted?.Invoke(null, Position + (filled / StationFormat.Channels));
                    }
                    buffer[filled..].Clear();
                    filled = buffer.Length;
                    break;
                }
                if (_current is null)
                {
                    continue; // that file was bad; try the next one
                }
            }
            if (_fadeLeft < 0 && _currentTrack is not null && playout.CutAt(_currentTrack) is { } cutAt && time.GetUtcNow() >= cutAt - CutFade)
            {
                Log.TrackCut(logger, _currentTrack.DisplayTitle, cutAt);
                _fadeLeft = s_cutFadeSamples;
            }
            var want = buffer[filled..];
            if (_fadeLeft >= 0)
            {
                want = want[..Math.Min(want.Length, _fadeLeft * StationFormat.Channels)];
            }
            var read = want.IsEmpty ? 0 : ReadCurrent(want);
            if (read == 0)
            {
                CloseCurrent(ended: _fadeLeft < 0);
                continue;
            }
            if (_fadeLeft >= 0)
            {
                FadeOut(want[..read]);
            }
            filled += read;
        }
        Position += buffer.Length / StationFormat.Channels;
        return buffer.Length;
    }

    private bool TryOpenNext()
    {
        var track = playout.Next();
        if (track is null)
        {
            return false;
        }
        try
        {
            _current = _open(track.Path);
            _currentTrack = track;
            _currentSamplesRead = 0;
            Log.TrackOpened(logger, track.DisplayTitle, track.RelativePath, _current.SourceFormat.SampleRate, _current.SourceFormat.Channels);
            TrackStarted?.Invoke(track, Position);
            return true;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.TrackSkipped(logger, track.Path, ex.Message);
            playout.Failed(track);
            return true; // "opened nothing, try the next one"; _current stays null
        }
    }

    private int ReadCurrent(Span<float> buffer)
    {
        try
        {
            // Keep whole stereo frames: a decoder may hand back an odd count at the very end.
            var read = _current!.Samples.Read(buffer);
            read -= read % StationFormat.Channels;
            _currentSamplesRead += read;
            return read;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.TrackFailed(logger, _currentTrack!.Path, _currentSamplesRead / StationFormat.Channels / (double)StationFormat.SampleRate, ex.Message);
            var failed = _currentTrack;
            CloseCurrent(ended: false);
            playout.Failed(failed);
            return 0;
        }
    }

    private void FadeOut(Span<float> samples)
    {
        for (var i = 0; i < samples.Length; i += StationFormat.Channels)
        {
            var gain = _fadeLeft / (float)s_cutFadeSamples;
            for (var c = 0; c < StationFormat.Channels; c++)
            {
                samples[i + c] *= gain;
            }
            _fadeLeft = Math.Max(0, _fadeLeft - 1);
        }
    }

    private void CloseCurrent(bool ended)
    {
        _fadeLeft = -1;
        if (ended && _currentSamplesRead == 0 && _currentTrack is not null)
        {
            // Opened but produced nothing: a truncated file or one with headers and no audio.
            Log.TrackSkipped(logger, _currentTrack.Path, "no audio could be decoded");
            playout.Failed(_currentTrack);
        }
        _current?.Dispose();
        _current = null;
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
    }
}
