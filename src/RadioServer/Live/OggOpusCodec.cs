using System.Buffers.Binary;
using Concentus;
using Concentus.Structs;

namespace RadioServer.Live;

/// <summary>
/// An Ogg Opus stream (RFC 7845) decoded with Concentus at 48 kHz, Opus's own rate: the pre-skip in OpusHead
/// dropped from the start, its output gain applied, the end trimmed to the last page's granule position. Channel
/// mapping family 0 (mono, stereo) and any other family with one or two output channels (its stream table read).
/// </summary>
internal sealed class OggOpusCodec(OggStreamDecoder owner) : OggAudioCodec(owner)
{
    /// <summary>Opus always decodes at 48 kHz here (RFC 7845 §5.1: the input rate in OpusHead is only a hint).</summary>
    public const int SampleRate = 48_000;

    // The longest Opus packet: 120 ms (RFC 6716 §3.2.5).
    private const int MaxFrames = SampleRate * 120 / 1000;

    // A second of packets in a row that do not decode: not Opus we can play.
    private const int MaxFailures = 50;

    private int _headers;
    private int _channels;
    private int _skip;
    private float _scale;
    private long _position;
    private int _failures;
    private OpusDecoder? _stream;
    private OpusMSDecoder? _streams;
    private short[] _pcm = [];
    private float[] _samples = [];

    public override string Name => "Opus";

    public override void Packet(ReadOnlySpan<byte> packet, OggPacketInfo info)
    {
        if (_headers == 0)
        {
            ReadHead(packet);
            _headers++;
            return;
        }
        if (_headers == 1)
        {
            _headers++;
            if (packet.StartsWith("OpusTags"u8))
            {
                Owner.OnComments(packet[8..]);
                return;
            }
            // RFC 7845 requires OpusTags second; without it, this is already audio.
        }
        if (packet.IsEmpty)
        {
            return;
        }
        int frames;
        try
        {
            // The 16-bit output: Concentus's float overload allocates a 16-bit buffer of its own on every call.
            frames = _stream is not null
                ? _stream.Decode(packet, _pcm, MaxFrames, decode_fec: false)
                : _streams!.DecodeMultistream(packet, _pcm, MaxFrames, decode_fec: false);
        }
        catch (Exception ex) when (ex is OpusException or ArgumentException)
        {
            if (++_failures > MaxFailures)
            {
                throw new InvalidDataException("The Opus audio could not be decoded: " + ex.Message, ex);
            }
            return; // one bad packet: a gap, and the decoder carries on
        }
        _failures = 0;
        Owner.OnPacketDecoded();
        var start = _position;
        _position += frames;
        var from = Math.Min(frames, _skip);
        _skip -= from;
        var to = frames;
        if (info.Granule >= 0)
        {
            if (info.EndsStream)
            {
                // RFC 7845 §4.5: the last page's granule position says where the audio ends within its last packet.
                to = (int)Math.Clamp(info.Granule - start, from, frames);
            }
            _position = info.Granule; // the page's position, which holds whatever was lost before it
        }
        var samples = _samples.AsSpan(0, (to - from) * _channels);
        var pcm = _pcm.AsSpan(from * _channels, samples.Length);
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = pcm[i] * _scale;
        }
        Owner.OnSamples(samples, SampleRate, _channels);
    }

    public override void End()
    {
        // Nothing held back: every packet came out as it was decoded.
    }

    private void ReadHead(ReadOnlySpan<byte> head)
    {
        // RFC 7845 §5.1: "OpusHead", version, channels, pre-skip, input rate, output gain (Q7.8 dB), mapping family.
        if (head.Length < 19)
        {
            throw new InvalidDataException("The OpusHead header is too short.");
        }
        if (head[8] >> 4 != 0)
        {
            throw new InvalidDataException($"Ogg Opus version {head[8]} is not supported (only 0.x is).");
        }
        _channels = head[9];
        _skip = BinaryPrimitives.ReadUInt16LittleEndian(head[10..]);
        var gain = BinaryPrimitives.ReadInt16LittleEndian(head[16..]);
        var family = head[18];
        if (_channels == 0)
        {
            throw new InvalidDataException("The OpusHead header gives no channels.");
        }
        if (_channels > 2)
        {
            throw new InvalidDataException($"Opus with {_channels} channels is not supported: send mono or stereo.");
        }
        int streams = 1, coupled = _channels - 1;
        byte[] mapping = [];
        if (family != 0)
        {
            // Families 1 and 255 carry a stream count, a coupled count and the channel mapping table.
            if (head.Length < 21 + _channels)
            {
                throw new InvalidDataException("The OpusHead header's channel mapping table is cut short.");
            }
            (streams, coupled, mapping) = (head[19], head[20], head.Slice(21, _channels).ToArray());
            if (streams == 0 || coupled > streams)
            {
                throw new InvalidDataException("The OpusHead header's stream counts are not valid.");
            }
        }
        try
        {
            // The managed decoders, always: the factory would take a native libopus when one is installed (ffmpeg
            // brings one), so what decodes a live source would depend on the machine. One Opus stream (family 0, as
            // every mono or stereo encoder writes) gets the single-stream decoder: the multistream one allocates
            // more than twice as much per packet (60 against 25 KB, stereo 20 ms packets, measured).
#pragma warning disable CS0618 // "Use OpusCodecFactory methods which can give you native code"
            if (family == 0)
            {
                _stream = new OpusDecoder(SampleRate, _channels);
            }
            else
            {
                _streams = new OpusMSDecoder(SampleRate, _channels, streams, coupled, mapping);
            }
#pragma warning restore CS0618
        }
        catch (Exception ex) when (ex is ArgumentException or OpusException)
        {
            throw new InvalidDataException("The OpusHead header's channel mapping is not valid: " + ex.Message, ex);
        }
        // The output gain, in 1/256 dB, is applied with the 16-bit to float scaling.
        _scale = (float)(Math.Pow(10, gain / (20.0 * 256)) / 32768);
        _pcm = new short[MaxFrames * _channels];
        _samples = new float[MaxFrames * _channels];
        Owner.OnFormat(SampleRate, _channels, 0);
    }
}
