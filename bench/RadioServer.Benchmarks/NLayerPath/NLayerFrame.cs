using NAudio.Wave;
using RadioServer.Audio;
using NLayer;

namespace RadioServer.Benchmarks.NLayerPath;

/// <summary>Presents an NAudio <see cref="Mp3Frame"/> to NLayer's decoder as an <see cref="IMpegFrame"/> (a bit reader over the raw bytes).</summary>
internal sealed class NLayerFrame : IMpegFrame
{
    private Mp3Frame? _frame;
    private int _readOffset;
    private int _bitsInBucket;
    private ulong _bucket;

    public Mp3Frame Frame
    {
        get => _frame ?? throw new InvalidOperationException("No frame set.");
        set
        {
            _frame = value;
            Reset();
        }
    }

    public int SampleRate => Frame.SampleRate;

    // The sample-rate index sits in bits 2-3 of the third header byte.
    public int SampleRateIndex => (Frame.RawData![2] >> 2) & 3;

    public int FrameLength => Frame.FrameLength;

    public int BitRate => Frame.BitRate;

    public NLayer.MpegVersion Version => Frame.MpegVersion switch
    {
        NAudio.Wave.MpegVersion.Version1 => NLayer.MpegVersion.Version1,
        NAudio.Wave.MpegVersion.Version2 => NLayer.MpegVersion.Version2,
        NAudio.Wave.MpegVersion.Version25 => NLayer.MpegVersion.Version25,
        _ => NLayer.MpegVersion.Unknown,
    };

    public NLayer.MpegLayer Layer => Frame.MpegLayer switch
    {
        NAudio.Wave.MpegLayer.Layer1 => NLayer.MpegLayer.LayerI,
        NAudio.Wave.MpegLayer.Layer2 => NLayer.MpegLayer.LayerII,
        NAudio.Wave.MpegLayer.Layer3 => NLayer.MpegLayer.LayerIII,
        _ => NLayer.MpegLayer.Unknown,
    };

    public MpegChannelMode ChannelMode => Frame.ChannelMode switch
    {
        NAudio.Wave.ChannelMode.Stereo => MpegChannelMode.Stereo,
        NAudio.Wave.ChannelMode.JointStereo => MpegChannelMode.JointStereo,
        NAudio.Wave.ChannelMode.DualChannel => MpegChannelMode.DualChannel,
        _ => MpegChannelMode.Mono,
    };

    public int ChannelModeExtension => Frame.ChannelExtension;

    public int SampleCount => Frame.SampleCount;

    public int BitRateIndex => Frame.BitRateIndex;

    public bool IsCopyrighted => Frame.Copyright;

    public bool HasCrc => Frame.CrcPresent;

    // NAudio has already checked the header and the frame length.
    public bool IsCorrupted => false;

    public void Reset()
    {
        _readOffset = _frame is null ? 0 : Mp3FrameHeader.Size + (_frame.CrcPresent ? 2 : 0);
        _bitsInBucket = 0;
        _bucket = 0;
    }

    public int ReadBits(int bitCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bitCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bitCount, 32);
        var raw = Frame.RawData!;
        while (_bitsInBucket < bitCount)
        {
            if (_readOffset >= Frame.FrameLength || _readOffset >= raw.Length)
            {
                throw new EndOfStreamException("MP3 frame ended inside its side information or main data.");
            }
            _bucket = (_bucket << 8) | raw[_readOffset++];
            _bitsInBucket += 8;
        }
        var value = (int)((_bucket >> (_bitsInBucket - bitCount)) & ((1UL << bitCount) - 1));
        _bitsInBucket -= bitCount;
        return value;
    }
}
