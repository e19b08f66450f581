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
internal sealed partial class PlayoutSampleProvider(IPlayoutSource playout, ILogger logger, Func<string, DecodedTrack>? open = null) : ISampleProvider
{
    // Bounds the work of one read when many files in a row are bad; the rest of the block is silence
    // and the next block tries again (bad files have left the rotation by then).
    private const int MaxOpensPerRead = 8;

    private readonly Func<string, DecodedTrack> _open = open ?? TrackDecoder.Open;
    private DecodedTrack? _current;
    private TrackInfo? _currentTrack;
    private long _currentSamplesRead;

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
            var read = ReadCurrent(buffer[filled..]);
            if (read == 0)
            {
                CloseCurrent(ended: true);
                continue;
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

    private void CloseCurrent(bool ended)
    {
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

        [LoggerMessage(3, LogLevel.Warning, "Media file {File} failed after {Seconds:F1} s and was cut: {Reason}.", EventName = "TrackFailed")]
        public static partial void TrackFailed(ILogger logger, string file, double seconds, string reason);
    }
}
