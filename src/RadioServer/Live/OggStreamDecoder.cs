using System.Runtime.InteropServices;
using NAudio.Wave;
using RadioServer.Audio;
using RadioServer.Audio.Decoding;

namespace RadioServer.Live;

/// <summary>
/// A live source's Ogg bytes, as they arrive in pieces, to station-format samples (44.1 kHz stereo float): pages
/// found by their capture pattern and checked by their CRC (a bad page is skipped, the sync found again), cut into
/// packets by their lacing, and the first Vorbis or Opus stream decoded (NVorbis, Concentus), resampled and widened
/// to stereo. Other logical streams multiplexed with it (Theora video, a Skeleton) are ignored; a link with no
/// Vorbis or Opus stream is refused. A chained stream (a new BOS page after the last one's end, how Ogg sources
/// change their titles, rate or channels) gets a new codec decoder and, when the format changed, a new path to
/// the station's: listeners never see a change. Comment headers raise <see cref="TitleFound"/>. Not thread-safe:
/// one source's reading task.
/// </summary>
internal sealed class OggStreamDecoder : ILiveDecoder
{
    /// <summary>Bytes of a source that may go by without a page that starts a stream before it is called garbage.</summary>
    public const int MaxJunk = 64 * 1024;

    /// <summary>
    /// The largest packet kept whole. Audio packets are a few KB; a comment header can carry cover art
    /// (METADATA_BLOCK_PICTURE), whose tail past this is dropped (the titles come first in practice).
    /// </summary>
    public const int MaxPacket = 1024 * 1024;

    // Station-format frames read from the resampler at a time (23 ms): what it adds to the latency at most.
    private const int ResampledFrames = 1024;

    private readonly byte[] _pending = new byte[MaxJunk + OggPage.MaxSize];
    private readonly float[] _out = new float[8192];
    private readonly List<string> _otherStreams = [];
    private byte[] _packet = new byte[16 * 1024];
    private int _length;
    private int _junk;
    private bool _sawPage;
    private bool _sawStreamStart;
    private Action<ReadOnlySpan<float>>? _output;

    // The current link (the streams that began together) and the audio stream in it.
    private bool _inHeaders;
    private uint _audioSerial;
    private OggAudioCodec? _codec;
    private string? _lastCodec;
    private uint _nextSequence;
    private bool _inPacket;
    private bool _dropping;
    private int _packetLength;
    private bool _lost;

    // The path to the station's format, kept while the source's format stays the same.
    private (int Rate, int Channels) _format;
    private BufferedWaveProvider? _decoded;
    private ISampleProvider? _station;
    private int _needFrames;

    /// <summary>"Vorbis" or "Opus" once the stream's first header has been read (what the last link carried), "Ogg" before.</summary>
    public string Codec => _codec?.Name ?? _lastCodec ?? "Ogg";

    public event Action<string>? TitleFound;

    /// <summary>Audio packets decoded so far.</summary>
    public long Frames { get; private set; }

    /// <summary>The stream's format as its header says: sample rate (48 kHz for Opus), channels and nominal bitrate (0 when not given).</summary>
    public (int SampleRate, int Channels, int BitrateKbps) SourceFormat { get; private set; }

    /// <summary>
    /// Takes the next bytes and hands every decoded piece's samples to <paramref name="output"/>. Throws
    /// <see cref="InvalidDataException"/> when <see cref="MaxJunk"/> bytes went by without a stream's start, or
    /// when the stream is not one that can be decoded (no Vorbis or Opus in it, more than two channels).
    /// </summary>
    public void Append(ReadOnlySpan<byte> data, Action<ReadOnlySpan<float>> output)
    {
        _output = output;
        try
        {
            while (!data.IsEmpty)
            {
                var take = Math.Min(data.Length, _pending.Length - _length);
                data[..take].CopyTo(_pending.AsSpan(_length));
                _length += take;
                data = data[take..];
                Drain();
            }
        }
        finally
        {
            _output = null;
        }
    }

    private void Drain()
    {
        var at = 0;
        while (at < _length)
        {
            var rest = _pending.AsSpan(at, _length - at);
            var result = OggPage.TryRead(rest, out var page, out var size);
            if (result == OggPageRead.NeedMore)
            {
                break;
            }
            if (result == OggPageRead.NotAPage)
            {
                // Resync: on to the next capture pattern (or to the last bytes, which may start one).
                var next = rest[1..].IndexOf("OggS"u8);
                var skip = next >= 0 ? next + 1 : Math.Max(1, rest.Length - 3);
                at += skip;
                CountJunk(skip);
                continue;
            }
            _sawPage = true;
            OnPage(page, size);
            at += size;
        }
        _pending.AsSpan(at, _length - at).CopyTo(_pending);
        _length -= at;
    }

    private void CountJunk(int bytes)
    {
        _junk += bytes;
        if (_junk > MaxJunk)
        {
            throw new InvalidDataException(_sawPage
                ? $"No Ogg stream starts in {MaxJunk / 1024} KiB of the stream: pages from the middle of a stream cannot be decoded without its headers."
                : $"No Ogg page in {MaxJunk / 1024} KiB of the stream: it is not Ogg audio.");
        }
    }

    private void OnPage(OggPage page, int size)
    {
        if (page.BeginsStream)
        {
            _sawStreamStart = true;
            _junk = 0;
            if (!_inHeaders)
            {
                // A new link: the first, or a chained one after the last one ended (or was cut off).
                _inHeaders = true;
                EndAudio();
                _otherStreams.Clear();
            }
            if (_codec is null && OggAudioCodec.Identify(page.FirstPacket(), this) is { } codec)
            {
                _codec = codec;
                _audioSerial = page.Serial;
                _nextSequence = page.Sequence;
                _inPacket = false;
                _lost = false;
                Assemble(page);
            }
            else
            {
                _otherStreams.Add(OggAudioCodec.Describe(page.FirstPacket()));
            }
            return;
        }
        if (!_sawStreamStart)
        {
            CountJunk(size); // the middle of a stream: nothing to decode without its headers
            return;
        }
        _junk = 0; // junk is counted from the last good page: bad pages now and then, over hours, are not garbage
        if (_inHeaders)
        {
            // Every BOS page of a link comes before its other pages (RFC 3533 §4): the link's streams are known.
            _inHeaders = false;
            if (_codec is null)
            {
                throw new InvalidDataException(
                    $"The Ogg stream carries {string.Join(" and ", _otherStreams)} and no Vorbis or Opus audio: a video/unknown Ogg stream is not supported (send Ogg Vorbis or Ogg Opus).");
            }
        }
        if (_codec is null || page.Serial != _audioSerial)
        {
            return; // another stream of the link (video, a skeleton), or the audio ended before the others
        }
        Assemble(page);
        if (page.EndsStream)
        {
            EndAudio();
        }
    }

    /// <summary>The audio stream's packets from its page, whole across page boundaries; a lost page drops the packet it cut.</summary>
    private void Assemble(OggPage page)
    {
        if (page.Sequence != _nextSequence)
        {
            _lost = true; // a page went missing (a bad CRC): what was pending is incomplete
            _inPacket = false;
        }
        _nextSequence = page.Sequence + 1;
        if (!page.Continued && _inPacket)
        {
            _inPacket = false; // the packet never ended: a broken stream
            _lost = true;
        }
        _dropping = page.Continued && !_inPacket;
        var lacing = page.Lacing;
        var lastEnd = lacing.Length - 1;
        while (lastEnd >= 0 && lacing[lastEnd] == 255)
        {
            lastEnd--;
        }
        var offset = 0;
        for (var i = 0; i < lacing.Length; i++)
        {
            var segment = page.Body.Slice(offset, lacing[i]);
            offset += lacing[i];
            if (_dropping)
            {
                _dropping = lacing[i] == 255; // the rest of a packet whose start was lost
                continue;
            }
            if (!_inPacket)
            {
                _inPacket = true;
                _packetLength = 0;
            }
            AddToPacket(segment);
            if (lacing[i] < 255)
            {
                _inPacket = false;
                var last = i == lastEnd;
                var info = new OggPacketInfo(last ? page.Granule : -1, last && page.EndsStream, _lost);
                _lost = false;
                _codec!.Packet(_packet.AsSpan(0, Math.Min(_packetLength, MaxPacket)), info);
            }
        }
    }

    private void AddToPacket(ReadOnlySpan<byte> segment)
    {
        var room = MaxPacket - _packetLength;
        if (room <= 0)
        {
            _packetLength += segment.Length;
            return;
        }
        var take = Math.Min(room, segment.Length);
        if (_packetLength + take > _packet.Length)
        {
            Array.Resize(ref _packet, Math.Min(MaxPacket, Math.Max(_packet.Length * 2, _packetLength + take)));
        }
        segment[..take].CopyTo(_packet.AsSpan(_packetLength));
        _packetLength += segment.Length;
    }

    private void EndAudio()
    {
        _lastCodec = _codec?.Name ?? _lastCodec;
        _codec?.End();
        _codec = null;
        Flush(); // the link's audio is whole: what the resampler holds comes out (the next link may be another format)
    }

    /// <summary>From a codec: its header says the stream's format.</summary>
    internal void OnFormat(int sampleRate, int channels, int bitrateKbps) => SourceFormat = (sampleRate, channels, bitrateKbps);

    /// <summary>From a codec: an audio packet was decoded.</summary>
    internal void OnPacketDecoded() => Frames++;

    /// <summary>From a codec: a comment header's title (ARTIST - TITLE), if it has one.</summary>
    internal void OnComments(ReadOnlySpan<byte> comments)
    {
        if (OggComments.Title(comments) is { } title)
        {
            TitleFound?.Invoke(title);
        }
    }

    /// <summary>From a codec: decoded samples, interleaved, at the stream's rate and channels; out in the station's format.</summary>
    internal void OnSamples(ReadOnlySpan<float> interleaved, int sampleRate, int channels)
    {
        if (interleaved.IsEmpty)
        {
            return;
        }
        if (_format != (sampleRate, channels))
        {
            // A new format (the first link, or a chained one at another rate or channel count): a new path to the station's.
            Flush();
            _format = (sampleRate, channels);
            _decoded = new BufferedWaveProvider(WaveFormat.CreateIeeeFloatWaveFormat(sampleRate, channels), TimeSpan.FromSeconds(1)) { ReadFully = false, DiscardOnBufferOverflow = true };
            _station = TrackDecoder.ToStationFormat(_decoded);
            // NAudio's WDL resampler takes a read that its input cannot fill for the end of the stream: it pads with
            // zeros (a click at 48 kHz) and resizes its buffer (~200 KB a read). So it is read in equal pieces, each
            // only when the input it needs is there: (input rate / output rate) x frames, plus its 4 frames of slack.
            _needFrames = sampleRate == StationFormat.SampleRate ? 0 : (int)Math.Ceiling((double)sampleRate / StationFormat.SampleRate * ResampledFrames) + 5;
        }
        _decoded!.AddSamples(MemoryMarshal.AsBytes(interleaved));
        if (_needFrames == 0)
        {
            Flush();
            return;
        }
        var frameBytes = _decoded.WaveFormat.BlockAlign;
        while (_decoded.BufferedBytes / frameBytes >= _needFrames)
        {
            var read = _station!.Read(_out.AsSpan(0, ResampledFrames * StationFormat.Channels));
            _output!(_out.AsSpan(0, read - (read % StationFormat.Channels)));
        }
    }

    /// <summary>Everything the path to the station's format holds (at a change of format, all of it: the resampler's end too).</summary>
    private void Flush()
    {
        if (_station is null)
        {
            return;
        }
        int read;
        while ((read = _station.Read(_out)) > 0)
        {
            _output!(_out.AsSpan(0, read - (read % StationFormat.Channels)));
        }
    }
}

/// <summary>Where an Ogg packet ends: the page's granule position if it is the last packet ending there (else -1), whether it ends the stream, whether pages were lost before it.</summary>
internal readonly record struct OggPacketInfo(long Granule, bool EndsStream, bool AfterLoss);
