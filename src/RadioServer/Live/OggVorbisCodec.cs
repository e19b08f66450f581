using System.Buffers.Binary;
using NVorbis;
using NVorbis.Contracts;

namespace RadioServer.Live;

/// <summary>
/// An Ogg Vorbis stream decoded with NVorbis, which pulls its packets: it is given a packet provider of our own
/// (<see cref="VorbisPacketQueue"/>) holding the packets pushed so far, and asked only for as many samples as those
/// packets are sure to give, so it never finds the queue empty (which it would take for the end of the stream).
/// </summary>
internal sealed class OggVorbisCodec(OggStreamDecoder owner) : OggAudioCodec(owner)
{
    // After three undecodable reads in a row the stream is not Vorbis we can play (a few at a time are bad packets).
    private const int MaxFailures = 3;

    // The comment header NVorbis is given in place of the stream's: the titles are read here, and the stream's
    // may be cut short at OggStreamDecoder.MaxPacket (cover art). "\x03vorbis", no vendor, no comments, framing bit.
    private static readonly byte[] s_noComments = [0x03, (byte)'v', (byte)'o', (byte)'r', (byte)'b', (byte)'i', (byte)'s', 0, 0, 0, 0, 0, 0, 0, 0, 1];

    private readonly VorbisPacketQueue _queue = new();
    private int _headers;
    private byte[]? _identification;
    private byte[]? _setup;
    private int _sampleRate;
    private int _channels;
    private float[] _pcm = [];
    private StreamDecoder? _decoder;
    private bool _ended;
    private int _failures;

    public override string Name => "Vorbis";

    public override void Packet(ReadOnlySpan<byte> packet, OggPacketInfo info)
    {
        switch (_headers)
        {
            case 0:
                ReadIdentification(packet);
                _headers++;
                return;
            case 1:
                if (!IsHeader(packet, 0x03, "vorbis"u8))
                {
                    throw new InvalidDataException("The Vorbis stream's second packet is not its comment header.");
                }
                Owner.OnComments(packet[7..]);
                _headers++;
                return;
            case 2:
                if (!IsHeader(packet, 0x05, "vorbis"u8))
                {
                    throw new InvalidDataException("The Vorbis stream's third packet is not its setup header.");
                }
                _setup = packet.ToArray();
                Start();
                _headers++;
                return;
        }
        if (packet.IsEmpty || (packet[0] & 1) != 0)
        {
            return; // an audio packet starts with a 0 bit; anything else (a stray header) is not for the decoder
        }
        _queue.Enqueue(packet, info);
        Owner.OnPacketDecoded();
        _ended = info.EndsStream;
        Pump(toEnd: info.EndsStream);
    }

    public override void End()
    {
        if (_decoder is not null && !_ended)
        {
            _ended = true;
            Pump(toEnd: true); // cut off without an EOS page: the packets held back come out
        }
        _decoder?.Dispose();
        _decoder = null;
    }

    private void ReadIdentification(ReadOnlySpan<byte> packet)
    {
        // Vorbis I §4.2.2: "\x01vorbis", version 0, channels, rate, bitrate maximum, nominal and minimum, block sizes, framing.
        if (packet.Length < 30 || BinaryPrimitives.ReadUInt32LittleEndian(packet[7..]) != 0)
        {
            throw new InvalidDataException("The Vorbis identification header is not Vorbis I.");
        }
        _channels = packet[11];
        _sampleRate = BinaryPrimitives.ReadInt32LittleEndian(packet[12..]);
        var maximum = BinaryPrimitives.ReadInt32LittleEndian(packet[16..]);
        var nominal = BinaryPrimitives.ReadInt32LittleEndian(packet[20..]);
        var minimum = BinaryPrimitives.ReadInt32LittleEndian(packet[24..]);
        int shortBlock = packet[28] & 0x0F, longBlock = packet[28] >> 4;
        if (_channels == 0 || _sampleRate <= 0 || shortBlock is < 6 or > 13 || longBlock is < 6 or > 13 || shortBlock > longBlock)
        {
            throw new InvalidDataException("The Vorbis identification header is not valid.");
        }
        if (_channels > 2)
        {
            throw new InvalidDataException($"Vorbis with {_channels} channels is not supported: send mono or stereo.");
        }
        // As NVorbis: the nominal bitrate, else the middle of the limits when both are given.
        var bitrate = nominal > 0 ? nominal : maximum > 0 && minimum > 0 ? (maximum + minimum) / 2 : 0;
        Owner.OnFormat(_sampleRate, _channels, bitrate / 1000);
        _identification = packet.ToArray();
        // A packet gives at least half a short block of samples (Vorbis I §1.3.2: from the centre of the previous
        // window to the centre of its own, each block a quarter on either side): asked for that many, the decoder
        // needs at most one more packet than it holds.
        _pcm = new float[(1 << shortBlock) / 2 * _channels];
    }

    private void Start()
    {
        _queue.Clear();
        _queue.EnqueueHeader(_identification!);
        _queue.EnqueueHeader(s_noComments);
        _queue.EnqueueHeader(_setup!);
        try
        {
            _decoder = new StreamDecoder(_queue);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidDataException or IndexOutOfRangeException)
        {
            throw new InvalidDataException("The Vorbis setup header could not be read: " + ex.Message, ex);
        }
    }

    /// <summary>
    /// Reads what the queued packets are sure to give, keeping one back (the first audio packet gives nothing, and
    /// each gives at least what is asked for at a time); at the end of the stream, everything.
    /// </summary>
    private void Pump(bool toEnd)
    {
        while (toEnd || _queue.Count >= 2)
        {
            _queue.RanDry = false;
            int read;
            try
            {
                read = _decoder!.Read(_pcm, 0, _pcm.Length);
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidDataException or IndexOutOfRangeException)
            {
                // A packet that passed its page's CRC but is not Vorbis we can decode: start again from the headers.
                if (++_failures > MaxFailures)
                {
                    throw new InvalidDataException("The Vorbis audio could not be decoded: " + ex.Message, ex);
                }
                Start();
                return;
            }
            if (read > 0)
            {
                _failures = 0;
                Owner.OnSamples(_pcm.AsSpan(0, read), _sampleRate, _channels);
            }
            if (_queue.RanDry || read == 0)
            {
                if (!toEnd)
                {
                    // Undecodable packets used up the queue, and the decoder took that for the end: a new one.
                    Start();
                }
                return;
            }
        }
    }
}

/// <summary>
/// The packets pushed so far, as NVorbis pulls them (<see cref="NVorbis.Contracts.IPacketProvider"/>); forward only. Packets are
/// pooled: NVorbis calls <see cref="IPacket.Done"/> when it has read one, and it is used again.
/// </summary>
internal sealed class VorbisPacketQueue : NVorbis.Contracts.IPacketProvider
{
    private readonly Queue<VorbisPacket> _packets = new();
    private readonly Stack<VorbisPacket> _free = new();

    public int Count => _packets.Count;

    /// <summary>Set when the decoder asked for a packet and there was none.</summary>
    public bool RanDry { get; set; }

    public bool CanSeek => false;

    public int StreamSerial => 0;

    public void Enqueue(ReadOnlySpan<byte> data, OggPacketInfo info)
    {
        var packet = Rent();
        packet.Fill(data, info.Granule >= 0 ? info.Granule : null, info.EndsStream, info.AfterLoss);
        _packets.Enqueue(packet);
    }

    public void EnqueueHeader(byte[] data) => Enqueue(data, new OggPacketInfo(-1, false, false));

    public void Clear()
    {
        while (_packets.TryDequeue(out var packet))
        {
            Return(packet);
        }
    }

    public IPacket GetNextPacket()
    {
        if (_packets.TryDequeue(out var packet))
        {
            return packet;
        }
        RanDry = true;
        return null!; // NVorbis: "the next packet if available, otherwise null"
    }

    public IPacket PeekNextPacket() => _packets.TryPeek(out var packet) ? packet : null!;

    public long SeekTo(long granulePos, int preRoll, GetPacketGranuleCount getPacketGranuleCount) => throw new NotSupportedException("A live stream cannot seek.");

    public long GetGranuleCount() => throw new NotSupportedException("A live stream has no length.");

    internal void Return(VorbisPacket packet)
    {
        // DataPacket keeps IsShort (a packet read past its end) with no way to clear it: such a packet is not reused.
        if (!packet.IsShort && !packet.Pooled)
        {
            packet.Pooled = true;
            _free.Push(packet);
        }
    }

    private VorbisPacket Rent()
    {
        if (_free.TryPop(out var packet))
        {
            packet.Pooled = false;
            return packet;
        }
        return new VorbisPacket(this);
    }
}

/// <summary>One packet's bytes, read bit by bit by NVorbis (<see cref="DataPacket"/>); its buffer is kept for the next.</summary>
internal sealed class VorbisPacket(VorbisPacketQueue owner) : DataPacket
{
    private byte[] _data = new byte[1024];
    private int _length;
    private int _position;

    public bool Pooled { get; set; }

    protected override int TotalBits => _length * 8;

    public void Fill(ReadOnlySpan<byte> data, long? granule, bool endsStream, bool afterLoss)
    {
        if (data.Length > _data.Length)
        {
            _data = new byte[Math.Max(data.Length, _data.Length * 2)];
        }
        data.CopyTo(_data);
        _length = data.Length;
        GranulePosition = granule;
        IsEndOfStream = endsStream;
        IsResync = afterLoss;
        Reset();
    }

    public override void Reset()
    {
        _position = 0;
        base.Reset();
    }

    public override void Done() => owner.Return(this);

    protected override int ReadNextByte() => _position < _length ? _data[_position++] : -1;
}
