using NAudio.Wave;
using NAudio.Wave.SampleProviders;
using RadioServer.Audio;
using RadioServer.Audio.Decoding;

namespace RadioServer.Live;

/// <summary>
/// A live source's MP3 bytes, as they arrive in pieces, to station-format samples (44.1 kHz stereo float): frames
/// found by their headers (an ID3 tag or junk before them skipped, two headers in a row needed to find the sync
/// again), each decoded as it completes, resampled and widened to stereo. A change of sample rate or channels
/// mid-stream starts a new decoder: listeners never see a format change. Not thread-safe: one source's reading task.
/// </summary>
internal sealed class Mp3StreamDecoder : ILiveDecoder
{
    /// <summary>Bytes of a source that may go by without one MP3 frame before it is called garbage.</summary>
    public const int MaxJunk = 64 * 1024;

    private readonly byte[] _pending = new byte[MaxJunk + (8 * 1024)];
    private readonly byte[] _pcm = new byte[1152 * 2 * sizeof(float) * 2];
    private readonly float[] _out = new float[8192];
    private int _length;
    private bool _inSync;
    private int _junk;
    private (int Rate, int Channels) _format;
    private NLayerFrameDecompressor? _decompressor;
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

    private void Decode(ReadOnlySpan<byte> frameBytes, Mp3FrameHeader header, Action<ReadOnlySpan<float>> output)
    {
        if (_format != (header.SampleRate, header.Channels))
        {
            // A new format (the first frame, or the source changed it): a new decoder and a new path to the station's.
            _format = (header.SampleRate, header.Channels);
            _decompressor = new NLayerFrameDecompressor(new WaveFormat(header.SampleRate, header.Channels));
            _decoded = new BufferedWaveProvider(_decompressor.OutputFormat, TimeSpan.FromSeconds(2)) { ReadFully = false, DiscardOnBufferOverflow = true };
            _station = TrackDecoder.ToStationFormat(_decoded);
            // NAudio's WDL resampler takes a read its input cannot fill for the stream's end: it pads with zeros (a
            // click at 48 kHz) and resizes its buffer. So it is read in equal pieces, each once the input it needs is
            // there (input rate / output rate x frames, plus its slack), as OggStreamDecoder does.
            _needFrames = header.SampleRate == StationFormat.SampleRate ? 0 : (int)Math.Ceiling((double)header.SampleRate / StationFormat.SampleRate * ResampledFrames) + 5;
        }
        SourceFormat = (header.SampleRate, header.Channels, header.BitrateKbps);
        var frame = Mp3Frame.LoadFromStream(new MemoryStream(frameBytes.ToArray()));
        if (frame is null)
        {
            return;
        }
        var bytes = _decompressor!.DecompressFrame(frame, _pcm, 0);
        _decoded!.AddSamples(_pcm, 0, bytes);
        Frames++;
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
}
