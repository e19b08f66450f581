using NAudio.Wave;
using NLayer;

namespace RadioServer.Benchmarks.NLayerPath;

/// <summary>
/// The station's MP3 decoding before issue 14, kept here only for the "before" figure of <c>decode</c>:
/// NLayer (fully managed) behind NAudio's <see cref="Mp3FileReaderBase"/> frame-decompressor hook:
/// NAudio finds and reads the frames, NLayer turns each into IEEE float PCM.
/// </summary>
internal sealed class NLayerFrameDecompressor(WaveFormat sourceFormat) : IMp3FrameDecompressor
{
    private readonly MpegFrameDecoder _decoder = new();
    private readonly NLayerFrame _frame = new();

    public WaveFormat OutputFormat { get; } = WaveFormat.CreateIeeeFloatWaveFormat(sourceFormat.SampleRate, sourceFormat.Channels);

    public static Mp3FileReaderBase.FrameDecompressorBuilder Builder { get; } = format => new NLayerFrameDecompressor(format);

    public int DecompressFrame(Mp3Frame frame, byte[] dest, int destOffset) => DecompressFrame(frame, dest.AsSpan(destOffset));

    public int DecompressFrame(Mp3Frame frame, Span<byte> dest)
    {
        _frame.Frame = frame;
        return _decoder.DecodeFrame(_frame, dest);
    }

    public void Reset() => _decoder.Reset();

    public void Dispose()
    {
    }
}
