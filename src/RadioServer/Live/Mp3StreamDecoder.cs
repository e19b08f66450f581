using NAudio.Wave;
using RadioServer.Audio;
using RadioServer.Audio.Decoding;
using RadioServer.Audio.Interop;

namespace RadioServer.Live;

/// <summary>
/// A live source's MP3 bytes, as they arrive in pieces, to station-format samples (44.1 kHz stereo float): frames
/// found by their headers (an ID3 tag or junk before them skipped, two headers in a row needed to find the sync
/// again), each fed whole to libmpg123 (feed mode, float) as it completes, resampled and widened to stereo. libmpg123
/// holds back only the first frame until the second arrives; then each frame's samples come out as it is fed. A change
/// of sample rate or channels mid-stream (libmpg123 announces it) starts a new path to the station's format: listeners
/// never see a format change. Not thread-safe: one source's reading task, which disposes it at the end.
/// </summary>
internal sealed class Mp3StreamDecoder : ILiveDecoder, IDisposable
{
    /// <summary>Bytes of a source that may go by without one MP3 frame before it is called garbage.</summary>
    public const int MaxJunk = 64 * 1024;

    private readonly byte[] _pending = new byte[MaxJunk + (8 * 1024)];
    // Two frames of 1,152 stereo float samples: libmpg123 gives the first two frames at once.
    private readonly byte[] _pcm = new byte[1152 * 2 * sizeof(float) * 2];
    private readonly float[] _out = new float[8192];
    private readonly SafeMpg123Handle _mpg123 = Mpg123Interop.OpenFloatFeed();
    private int _length;
    private bool _inSync;
    private int _junk;
    private (int Rate, int Channels) _format;
    private BufferedWaveProvider? _decoded;
    private ISampleProvider? _station;
    private int _needFrames;
    private const int ResampledFrames = 1024;

    public string Codec => "MP3";

    // MP3 carries no title of its own (ICY titles come by updinfo).
    public event Action<string>? TitleFound { add { } remove { } }

    /// <summary>Frames decoded so far.</summary>
    public long Frames { get; private set; }

    /// <summary>The source's format as sent: sample rate, channels and bitrate of the last frame.</summary>
    public (int SampleRate, int Channels, int BitrateKbps) SourceFormat { get; private set; }

    /// <summary>
    /// Takes the next bytes and hands every whole frame's samples to <paramref name="output"/>. Throws
    /// <see cref="InvalidDataException"/> when <see cref="MaxJunk"/> bytes went by without a frame.
    /// </summary>
    public void Append(ReadOnlySpan<byte> data, Action<ReadOnlySpan<float>> output)
    {
        while (!data.IsEmpty)
        {
            var take = Math.Min(data.Length, _pending.Length - _length);
            data[..take].CopyTo(_pending.AsSpan(_length));
            _length += take;
            data = data[take..];
            Drain(output);
        }
    }

    private void Drain(Action<ReadOnlySpan<float>> output)
    {
        var at = 0;
        while (true)
        {
            var rest = _pending.AsSpan(at, _length - at);
            if (rest.Length < 10)
            {
                break;
            }
            if (!_inSync && rest.StartsWith("ID3"u8))
            {
                // ID3v2: a 10-byte header whose size is four 7-bit bytes (ffmpeg's MP3 muxer writes one first).
                var size = 10 + ((rest[6] & 0x7F) << 21 | (rest[7] & 0x7F) << 14 | (rest[8] & 0x7F) << 7 | (rest[9] & 0x7F));
                if (rest.Length < size)
                {
                    if (size > _pending.Length)
                    {
                        throw new InvalidDataException("The stream starts with an ID3 tag larger than 64 KiB.");
                    }
                    break;
                }
                at += size;
                continue;
            }
            if (!Mp3FrameHeader.TryParse(rest, out var header) || header.FrameLength <= Mp3FrameHeader.Size)
            {
                _inSync = false;
                at++;
                CountJunk(1);
                continue;
            }
            if (rest.Length < header.FrameLength + (_inSync ? 0 : Mp3FrameHeader.Size))
            {
                break; // the rest of the frame (and, to find the sync again, the next header) has not arrived
            }
            if (!_inSync && !Mp3FrameHeader.TryParse(rest[header.FrameLength..], out _))
            {
                at++; // a false sync inside junk
                CountJunk(1);
                continue;
            }
            _inSync = true;
            _junk = 0;
            Decode(rest[..header.FrameLength], header, output);
            at += header.FrameLength;
        }
        _pending.AsSpan(at, _length - at).CopyTo(_pending);
        _length -= at;
    }

    private void CountJunk(int bytes)
    {
        _junk += bytes;
        if (_junk > MaxJunk)
        {
            throw new InvalidDataException($"No MP3 frame in {MaxJunk / 1024} KiB of the stream: it is not MP3 audio.");
        }
    }

    private unsafe void Decode(ReadOnlySpan<byte> frameBytes, Mp3FrameHeader header, Action<ReadOnlySpan<float>> output)
    {
        SourceFormat = (header.SampleRate, header.Channels, header.BitrateKbps);
        Frames++;
        fixed (byte* input = frameBytes)
        fixed (byte* pcm = _pcm)
        {
            var result = Mpg123Interop.Decode(_mpg123, input, (nuint)frameBytes.Length, pcm, (nuint)_pcm.Length, out var done);
            while (true)
            {
                if (done > 0)
                {
                    Push(_pcm.AsSpan(0, (int)done), output);
                }
                if (result == Mpg123Interop.NeedMore)
                {
                    return;
                }
                if (result == Mpg123Interop.NewFormat)
                {
                    SetFormat(Mpg123Interop.CurrentFormat(_mpg123));
                }
                else if (result != Mpg123Interop.Ok)
                {
                    // Whole frames with good headers only reach libmpg123, so this is a frame it could not make sense of:
                    // start its stream afresh (the next frame announces the format again) rather than end the show.
                    if (Mpg123Interop.OpenFeed(_mpg123) != Mpg123Interop.Ok)
                    {
                        throw new InvalidDataException($"MP3 decoding failed: {Mpg123Interop.Message(_mpg123)}.");
                    }
                    return;
                }
                result = Mpg123Interop.Decode(_mpg123, null, 0, pcm, (nuint)_pcm.Length, out done);
            }
        }
    }

    private void SetFormat((int Rate, int Channels) format)
    {
        if (_format == format)
        {
            return;
        }
        // A new format (the first frame, or the source changed it): a new path to the station's.
        _format = format;
        _decoded = new BufferedWaveProvider(WaveFormat.CreateIeeeFloatWaveFormat(format.Rate, format.Channels), TimeSpan.FromSeconds(2)) { ReadFully = false, DiscardOnBufferOverflow = true };
        _station = TrackDecoder.ToStationFormat(_decoded);
        // NAudio's WDL resampler takes a read its input cannot fill for the stream's end: it pads with zeros (a
        // click at 48 kHz) and resizes its buffer. So it is read in equal pieces, each once the input it needs is
        // there (input rate / output rate x frames, plus its slack), as OggStreamDecoder does.
        _needFrames = format.Rate == StationFormat.SampleRate ? 0 : (int)Math.Ceiling((double)format.Rate / StationFormat.SampleRate * ResampledFrames) + 5;
    }

    /// <summary>Decoded samples (float bytes) through the path to the station's format, in the pieces it takes.</summary>
    private void Push(ReadOnlySpan<byte> pcm, Action<ReadOnlySpan<float>> output)
    {
        if (_decoded is null)
        {
            return; // no format announced yet: cannot happen, libmpg123 announces it before the first samples
        }
        _decoded.AddSamples(pcm);
        if (_needFrames == 0)
        {
            int read;
            while ((read = _station!.Read(_out)) > 0)
            {
                output(_out.AsSpan(0, read - (read % StationFormat.Channels)));
            }
            return;
        }
        var blockAlign = _decoded.WaveFormat.BlockAlign;
        while (_decoded.BufferedBytes / blockAlign >= _needFrames)
        {
            var read = _station!.Read(_out.AsSpan(0, ResampledFrames * StationFormat.Channels));
            output(_out.AsSpan(0, read - (read % StationFormat.Channels)));
        }
    }

    public void Dispose() => _mpg123.Dispose();
}
