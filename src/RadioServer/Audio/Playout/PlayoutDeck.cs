using RadioServer.Audio.Decoding;
using RadioServer.Library;

namespace RadioServer.Audio.Playout;

/// <summary>
/// One item on air: its decoder, its constant normalisation gain, its cue points and the fades its transitions put on
/// it, all counted in sample frames from its cue-in. Applies them in place as it reads, as NAudio's VolumeSampleProvider
/// and FadeInOutSampleProvider do, sample-accurately (a fade's gain depends only on the frame's index, however the
/// reads fall) and without allocating. Only the air chain's thread uses it.
/// </summary>
internal sealed class PlayoutDeck(TrackInfo track, DecodedTrack decoded, TrackSound? sound, double gainDb, long length) : IDisposable
{
    private const int Channels = StationFormat.Channels;

    private readonly float _gain = (float)Math.Pow(10, gainDb / 20);

    private long _fadeInLength;
    private long _fadeOutStart = long.MaxValue;
    private long _fadeOutLength;
    private long _cutStart = long.MaxValue;
    private long _cutLength;

    public TrackInfo Track => track;

    public TrackSound? Sound => sound;

    /// <summary>The normalisation gain, dB, the same for the whole item (0: unity).</summary>
    public double GainDb => gainDb;

    /// <summary>Frames from cue-in to where the item ends (its cue-out, or a cut's end); <see cref="long.MaxValue"/>: the decoder's end.</summary>
    public long Length { get; private set; } = length;

    /// <summary>Frames read since cue-in.</summary>
    public long Played { get; private set; }

    /// <summary>Frames left before <see cref="Length"/>.</summary>
    public long Remaining => Length == long.MaxValue ? long.MaxValue : Length - Played;

    /// <summary>Whether a cut's fade is running or done.</summary>
    public bool Cutting => _cutStart != long.MaxValue;

    /// <summary>Whether any sample was read from the decoder (a file with headers and no audio reads none).</summary>
    public bool ProducedAudio { get; private set; }

    /// <summary>Reads and drops the leading <paramref name="frames"/> (the cue-in) into <paramref name="scratch"/>; false if the file ended first.</summary>
    public bool Skip(long frames, Span<float> scratch)
    {
        var left = frames * Channels;
        while (left > 0)
        {
            var read = decoded.Samples.Read(scratch[..(int)Math.Min(scratch.Length, left)]);
            if (read <= 0)
            {
                return false;
            }
            left -= read;
        }
        return true;
    }

    /// <summary>An equal-power fade-in (sin law) over the first <paramref name="frames"/>.</summary>
    public void FadeIn(long frames) => _fadeInLength = frames;

    /// <summary>An equal-power fade-out (cos law) over the last <paramref name="frames"/> before <see cref="Length"/>.</summary>
    public void FadeOut(long frames)
    {
        _fadeOutLength = Math.Min(frames, Length);
        _fadeOutStart = Length - _fadeOutLength;
    }

    /// <summary>A linear fade to silence over <paramref name="frames"/> from now, after which the item ends (a slot boundary's cut).</summary>
    public void Cut(long frames)
    {
        if (Cutting)
        {
            return;
        }
        _cutStart = Played;
        _cutLength = Math.Max(1, frames);
        Length = Math.Min(Length, Played + _cutLength);
    }

    /// <summary>Reads up to <paramref name="buffer"/>'s length (whole frames, never past <see cref="Length"/>) with the gains applied; 0 at the end.</summary>
    public int Read(Span<float> buffer)
    {
        var want = (int)Math.Min(buffer.Length / Channels, Remaining) * Channels;
        if (want == 0)
        {
            return 0;
        }
        var read = decoded.Samples.Read(buffer[..want]);
        // Keep whole stereo frames: a decoder may hand back an odd count at the very end.
        read -= read % Channels;
        if (read <= 0)
        {
            return 0;
        }
        ProducedAudio = true;
        var samples = buffer[..read];
        var frames = read / Channels;
        var first = Played;
        if (_gain != 1f)
        {
            for (var i = 0; i < samples.Length; i++)
            {
                samples[i] *= _gain;
            }
        }
        if (first < _fadeInLength)
        {
            var count = (int)Math.Min(frames, _fadeInLength - first);
            EqualPower(samples[..(count * Channels)], first, _fadeInLength, rising: true);
        }
        var fadeOutFrom = Math.Max(first, _fadeOutStart);
        if (fadeOutFrom < first + frames)
        {
            var offset = (int)(fadeOutFrom - first);
            EqualPower(samples[(offset * Channels)..], fadeOutFrom - _fadeOutStart, _fadeOutLength, rising: false);
        }
        var cutFrom = Math.Max(first, _cutStart);
        if (cutFrom < first + frames)
        {
            var offset = (int)(cutFrom - first);
            for (var i = offset; i < frames; i++)
            {
                var g = (_cutLength - (first + i - _cutStart)) / (float)_cutLength;
                samples[i * Channels] *= g;
                samples[(i * Channels) + 1] *= g;
            }
        }
        Played += frames;
        return read;
    }

    /// <summary>
    /// Multiplies frames <paramref name="index"/>.. of a fade <paramref name="length"/> frames long by sin (rising) or
    /// cos (falling) of π/2·k/length: the two sum to constant power. One sin/cos a call; then a rotation per frame.
    /// </summary>
    private static void EqualPower(Span<float> samples, long index, long length, bool rising)
    {
        var step = Math.PI / 2 / length;
        var (sin, cos) = Math.SinCos(index * step);
        var (stepSin, stepCos) = Math.SinCos(step);
        for (var i = 0; i < samples.Length; i += Channels)
        {
            var g = (float)(rising ? sin : cos);
            samples[i] *= g;
            samples[i + 1] *= g;
            (sin, cos) = ((sin * stepCos) + (cos * stepSin), (cos * stepCos) - (sin * stepSin));
        }
    }

    public void Dispose() => decoded.Dispose();
}
