using System.Runtime.InteropServices;
using RadioServer.Audio.Interop;

namespace RadioServer.Audio;

/// <summary>CBR, joint stereo, 44.1 kHz, no Xing/Info tag (a live stream has no length to put in one).</summary>
internal sealed class LameMp3Encoder : IMp3Encoder
{
    private readonly SafeLameHandle _lame;
    private readonly int _channels;

    public LameMp3Encoder(int bitrateKbps, int quality, int sampleRate = StationFormat.SampleRate, int channels = StationFormat.Channels)
    {
        _channels = channels;
        _lame = LameInterop.Init();
        if (_lame.IsInvalid)
        {
            throw new InvalidOperationException("lame_init failed.");
        }
        Check(LameInterop.SetInSampleRate(_lame, sampleRate), "in_samplerate");
        Check(LameInterop.SetOutSampleRate(_lame, sampleRate), "out_samplerate");
        Check(LameInterop.SetNumChannels(_lame, channels), "num_channels");
        Check(LameInterop.SetVbr(_lame, LameInterop.VbrOff), "VBR");
        Check(LameInterop.SetBitrate(_lame, bitrateKbps), "brate");
        Check(LameInterop.SetMode(_lame, channels == 1 ? LameInterop.Mono : LameInterop.JointStereo), "mode");
        Check(LameInterop.SetQuality(_lame, quality), "quality");
        Check(LameInterop.SetWriteVbrTag(_lame, 0), "bWriteVbrTag");
        Check(LameInterop.InitParams(_lame), "init_params");
    }

    public static string Version => Marshal.PtrToStringAnsi(LameInterop.GetVersion()) ?? "unknown";

    // lame.h: "mp3buf_size in bytes = 1.25*num_samples + 7200" is the worst case.
    public int MaxOutputBytes(int samplesPerChannel) => (samplesPerChannel * 5 / 4) + 7200;

    public unsafe int Encode(ReadOnlySpan<float> interleaved, Span<byte> output)
    {
        var samplesPerChannel = interleaved.Length / _channels;
        fixed (float* pcm = interleaved)
        fixed (byte* mp3 = output)
        {
            var written = _channels == 1
                ? LameInterop.EncodeFloat(_lame, pcm, pcm, samplesPerChannel, mp3, output.Length)
                : LameInterop.EncodeInterleavedFloat(_lame, pcm, samplesPerChannel, mp3, output.Length);
            return written >= 0 ? written : throw new InvalidOperationException($"LAME encode failed with {written}.");
        }
    }

    /// <summary>Emits the frames LAME still holds (end of a file; a live stream never ends).</summary>
    public unsafe int Flush(Span<byte> output)
    {
        fixed (byte* mp3 = output)
        {
            var written = LameInterop.Flush(_lame, mp3, output.Length);
            return written >= 0 ? written : throw new InvalidOperationException($"lame_encode_flush failed with {written}.");
        }
    }

    public void Dispose() => _lame.Dispose();

    private static void Check(int result, string what)
    {
        if (result < 0)
        {
            throw new InvalidOperationException($"LAME rejected {what} (error {result}).");
        }
    }
}

internal sealed class LameMp3EncoderFactory : IMp3EncoderFactory
{
    public IMp3Encoder Create(int bitrateKbps, int quality) => new LameMp3Encoder(bitrateKbps, quality);
}
