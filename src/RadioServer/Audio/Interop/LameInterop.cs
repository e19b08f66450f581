using System.Runtime.InteropServices;
using RadioServer.Interop;

namespace RadioServer.Audio.Interop;

/// <summary>
/// The few entry points of libmp3lame that the station needs. Debian's libmp3lame0 package ships
/// only the versioned SONAME libmp3lame.so.0, so <see cref="NativeLibraries"/> maps the import name to it.
/// </summary>
internal static partial class LameInterop
{
    public const string LibraryName = NativeLibraries.Lame;

    // MPEG_mode in lame.h
    public const int JointStereo = 1;
    public const int Mono = 3;
    // vbr_mode in lame.h
    public const int VbrOff = 0;

    [LibraryImport(LibraryName, EntryPoint = "lame_init")]
    internal static partial SafeLameHandle Init();

    [LibraryImport(LibraryName, EntryPoint = "lame_close")]
    internal static partial int Close(nint gfp);

    [LibraryImport(LibraryName, EntryPoint = "lame_set_in_samplerate")]
    internal static partial int SetInSampleRate(SafeLameHandle gfp, int rate);

    [LibraryImport(LibraryName, EntryPoint = "lame_set_out_samplerate")]
    internal static partial int SetOutSampleRate(SafeLameHandle gfp, int rate);

    [LibraryImport(LibraryName, EntryPoint = "lame_set_num_channels")]
    internal static partial int SetNumChannels(SafeLameHandle gfp, int channels);

    [LibraryImport(LibraryName, EntryPoint = "lame_set_brate")]
    internal static partial int SetBitrate(SafeLameHandle gfp, int kbps);

    [LibraryImport(LibraryName, EntryPoint = "lame_set_mode")]
    internal static partial int SetMode(SafeLameHandle gfp, int mode);

    [LibraryImport(LibraryName, EntryPoint = "lame_set_VBR")]
    internal static partial int SetVbr(SafeLameHandle gfp, int vbrMode);

    [LibraryImport(LibraryName, EntryPoint = "lame_set_quality")]
    internal static partial int SetQuality(SafeLameHandle gfp, int quality);

    [LibraryImport(LibraryName, EntryPoint = "lame_set_bWriteVbrTag")]
    internal static partial int SetWriteVbrTag(SafeLameHandle gfp, int write);

    [LibraryImport(LibraryName, EntryPoint = "lame_init_params")]
    internal static partial int InitParams(SafeLameHandle gfp);

    /// <summary>Interleaved float input in [-1, 1]; <paramref name="samplesPerChannel"/> counts stereo pairs.</summary>
    [LibraryImport(LibraryName, EntryPoint = "lame_encode_buffer_interleaved_ieee_float")]
    internal static unsafe partial int EncodeInterleavedFloat(SafeLameHandle gfp, float* pcm, int samplesPerChannel, byte* mp3Buffer, int mp3BufferSize);

    /// <summary>Separate channel buffers in [-1, 1]; for mono, LAME reads only <paramref name="left"/>.</summary>
    [LibraryImport(LibraryName, EntryPoint = "lame_encode_buffer_ieee_float")]
    internal static unsafe partial int EncodeFloat(SafeLameHandle gfp, float* left, float* right, int samplesPerChannel, byte* mp3Buffer, int mp3BufferSize);

    [LibraryImport(LibraryName, EntryPoint = "lame_encode_flush")]
    internal static unsafe partial int Flush(SafeLameHandle gfp, byte* mp3Buffer, int size);

    [LibraryImport(LibraryName, EntryPoint = "get_lame_version")]
    internal static partial nint GetVersion();
}
