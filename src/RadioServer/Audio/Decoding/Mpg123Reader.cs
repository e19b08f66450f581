using NAudio.Wave;
using RadioServer.Audio.Interop;

namespace RadioServer.Audio.Decoding;

/// <summary>
/// An MP3 file decoded by libmpg123 to station-format samples (44.1 kHz stereo float). The file is read here, through
/// the stream given (TrackDecoder's FileStream, shared for writing and deletion), and fed to libmpg123, so a file that
/// shrinks or goes away under it ends or fails like any read. Gapless: libmpg123 trims the encoder delay and padding
/// its LAME/Xing info frame declares, so two tracks cut from one recording join sample for sample. A 44.1 kHz stereo
/// file is decoded straight into the caller's buffer; any other rate or channel count goes through the station's
/// resampler and widening, rebuilt when the format changes mid-file (files glued from different encodes).
/// </summary>
/// <remarks>
/// Opening decodes the first <see cref="ProbeFrames"/> frames of audio and keeps them: a file is refused unless they
/// come in one format without an error. libmpg123 finds false frame headers in noise (a WAV or video renamed .mp3,
/// white noise especially), which NAudio's reader used to refuse by itself; none of them survives that many samples.
/// Not thread-safe: the audio thread reads it.
/// </remarks>
internal sealed class Mpg123Reader : ISampleProvider, IDisposable
{
    /// <summary>Sample frames decoded at open, in one format without an error, before the file is taken as MP3 (0.19 s at 44.1 kHz).</summary>
    public const int ProbeFrames = 8192;

    /// <summary>Bytes after an ID3v2 tag that may go by without an MPEG frame before the file is called not MP3.</summary>
    public const int MaxLeadingJunk = 256 * 1024;

    /// <summary>Damaged stretches of one file that decoding starts afresh after (see <see cref="Recover"/>).</summary>
    public const int MaxRecoveries = 4;

    private const int InputBytes = 16 * 1024;

    private readonly Stream _file;
    private readonly SafeMpg123Handle _handle;
    private readonly byte[] _input = new byte[InputBytes];
    private readonly float[] _held = [];
    private int _heldOffset;
    private int _heldCount;
    private (int Rate, int Channels) _format;
    private (int Rate, int Channels)? _nextFormat;
    private bool _eof;
    private int _recoveries;
    private long _streamStart;
    private bool _opened;
    private bool _ended;
    private ISampleProvider? _converter;

    /// <summary>Takes ownership of <paramref name="file"/> once constructed; throws <see cref="InvalidDataException"/> when it is not MP3 audio.</summary>
    public Mpg123Reader(Stream file)
    {
        _file = file;
        var header = new byte[10];
        var headerLength = file.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        if (ForeignContainer(header.AsSpan(0, headerLength)) is { } container)
        {
            throw new InvalidDataException($"It is not MP3 audio but {container}.");
        }
        _handle = Mpg123Interop.OpenFloatFeed();
        try
        {
            Feed(header.AsSpan(0, headerLength));
            var id3Bytes = headerLength == 10 && header.AsSpan().StartsWith("ID3"u8)
                ? 10 + ((header[6] & 0x7F) << 21 | (header[7] & 0x7F) << 14 | (header[8] & 0x7F) << 7 | (header[9] & 0x7F))
                : 0;
            FindFirstFrame(headerLength, id3Bytes);
            SourceFormat = WaveFormat.CreateIeeeFloatWaveFormat(_format.Rate, _format.Channels);
            var probe = new float[ProbeFrames * _format.Channels];
            try
            {
                _heldCount = DecodeRaw(probe);
            }
            catch (InvalidDataException ex)
            {
                throw new InvalidDataException($"It is not MP3 audio: {ex.Message}", ex);
            }
            if (_heldCount == 0)
            {
                throw new InvalidDataException("No audio could be decoded from its MPEG frames.");
            }
            if (_nextFormat is not null)
            {
                throw new InvalidDataException("It is not MP3 audio: its frames change format within the first 0.2 s.");
            }
            _held = probe;
            _converter = Converter();
            _opened = true;
        }
        catch
        {
            _handle.Dispose();
            throw;
        }
    }

    /// <summary>The format of the file's first frames, as libmpg123 decodes them (float, their own rate and channels).</summary>
    public WaveFormat SourceFormat { get; }

    public WaveFormat WaveFormat => StationFormat.WaveFormat;

    /// <summary>Station-format samples; fewer than asked only at the end (then 0). Throws <see cref="InvalidDataException"/> when decoding fails.</summary>
    public int Read(Span<float> buffer)
    {
        var filled = 0;
        while (filled < buffer.Length)
        {
            var read = _converter is null ? DecodeRaw(buffer[filled..]) : _converter.Read(buffer[filled..]);
            filled += read;
            if (read > 0)
            {
                continue;
            }
            if (_nextFormat is not { } next)
            {
                break; // the end of the file
            }
            // The last format's samples are all out (its resampler drained): go on in the new one.
            _format = next;
            _nextFormat = null;
            _converter = Converter();
        }
        return filled;
    }

    public void Dispose()
    {
        _handle.Dispose();
        _file.Dispose();
    }

    private ISampleProvider? Converter() =>
        _format == (StationFormat.SampleRate, StationFormat.Channels) ? null : TrackDecoder.ToStationFormat(new Segment(this, _format));

    /// <summary>Feeds the file until libmpg123 announces the format of its first frame.</summary>
    private unsafe void FindFirstFrame(long fed, int id3Bytes)
    {
        float none = 0;
        while (true)
        {
            var result = Mpg123Interop.Decode(_handle, null, 0, &none, 0, out _);
            switch (result)
            {
                case Mpg123Interop.NewFormat:
                    _format = Mpg123Interop.CurrentFormat(_handle);
                    return;
                case Mpg123Interop.NeedMore:
                    if (fed > id3Bytes + MaxLeadingJunk)
                    {
                        throw new InvalidDataException($"It is not MP3 audio: no MPEG frame in its first {(id3Bytes + MaxLeadingJunk) / 1024} KiB.");
                    }
                    var read = Refill();
                    if (read == 0)
                    {
                        throw new InvalidDataException(fed > id3Bytes ? "It is not MP3 audio: no MPEG frame in it." : "It has tags but no MPEG audio frame.");
                    }
                    fed += read;
                    break;
                case Mpg123Interop.Ok:
                    break; // more parsing to do before the format is known
                case Mpg123Interop.Done:
                    throw new InvalidDataException("It has no MPEG audio frame.");
                default:
                    throw new InvalidDataException($"It is not MP3 audio: {Mpg123Interop.Message(_handle)}.");
            }
        }
    }

    /// <summary>
    /// Decoded samples in the current format (whole sample frames), the probe's first: fewer than asked at the end of
    /// the file or of the format (<see cref="_nextFormat"/> set), then 0.
    /// </summary>
    private unsafe int DecodeRaw(Span<float> buffer)
    {
        var want = buffer.Length - (buffer.Length % _format.Channels);
        var written = 0;
        if (_heldOffset < _heldCount)
        {
            written = Math.Min(want, _heldCount - _heldOffset);
            _held.AsSpan(_heldOffset, written).CopyTo(buffer);
            _heldOffset += written;
        }
        fixed (float* output = buffer)
        {
            while (written < want && !_ended && _nextFormat is null)
            {
                var result = Mpg123Interop.Read(_handle, output + written, (nuint)((want - written) * sizeof(float)), out var done);
                written += (int)(done / sizeof(float));
                switch (result)
                {
                    case Mpg123Interop.Ok:
                        break;
                    case Mpg123Interop.NewFormat:
                        var format = Mpg123Interop.CurrentFormat(_handle);
                        if (format != _format)
                        {
                            _nextFormat = format;
                        }
                        break;
                    case Mpg123Interop.NeedMore:
                        _ended = Refill() == 0;
                        break;
                    case Mpg123Interop.Done:
                        _ended = true;
                        break;
                    default:
                        Recover();
                        break;
                }
            }
        }
        return written;
    }

    /// <summary>
    /// libmpg123 gave up on the stream, most often after more than its resync limit (1 KiB) of garbage inside the file:
    /// it starts afresh from the byte it had reached, searching for frames as at the file's start, as NAudio's reader
    /// skipped damage. The probe at open calls this an error instead, and so does a file that keeps failing.
    /// </summary>
    private void Recover()
    {
        var reached = Mpg123Interop.TellStream(_handle);
        if (!_opened || ++_recoveries > MaxRecoveries || Mpg123Interop.OpenFeed(_handle) != Mpg123Interop.Ok)
        {
            throw new InvalidDataException($"MP3 decoding failed: {Mpg123Interop.Message(_handle)}.");
        }
        if (reached >= 0 && _file.CanSeek)
        {
            // Go back to where the parser gave up: the good frames after the damage, already fed, are fed again.
            _streamStart += reached;
            _file.Position = _streamStart;
            _eof = false;
        }
    }

    /// <summary>Reads the next piece of the file and feeds it; 0 at the end of the file.</summary>
    private int Refill()
    {
        if (_eof)
        {
            return 0;
        }
        var read = _file.Read(_input);
        if (read == 0)
        {
            _eof = true;
            return 0;
        }
        Feed(_input.AsSpan(0, read));
        return read;
    }

    private unsafe void Feed(ReadOnlySpan<byte> bytes)
    {
        fixed (byte* input = bytes)
        {
            if (Mpg123Interop.Feed(_handle, input, (nuint)bytes.Length) != Mpg123Interop.Ok)
            {
                throw new InvalidDataException($"libmpg123 took no more input: {Mpg123Interop.Message(_handle)}.");
            }
        }
    }

    /// <summary>Other containers libmpg123 might find false MPEG frames in: refused by their signature.</summary>
    private static string? ForeignContainer(ReadOnlySpan<byte> head) => head switch
    {
        _ when head.StartsWith("RIFF"u8) => "a RIFF (WAV) file",
        _ when head.StartsWith("FORM"u8) => "an IFF (AIFF) file",
        _ when head.StartsWith("OggS"u8) => "an Ogg file",
        _ when head.StartsWith("fLaC"u8) => "a FLAC file",
        _ when head.Length >= 8 && head[4..8].SequenceEqual("ftyp"u8) => "an MP4 file",
        _ => null,
    };

    /// <summary>The decoded samples of one format, as the station's converter reads them: 0 at the format's end.</summary>
    private sealed class Segment(Mpg123Reader reader, (int Rate, int Channels) format) : ISampleProvider
    {
        public WaveFormat WaveFormat { get; } = WaveFormat.CreateIeeeFloatWaveFormat(format.Rate, format.Channels);

        public int Read(Span<float> buffer) => reader.DecodeRaw(buffer);
    }
}
