using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace RadioServer.Audio.Interop;

/// <summary>
/// The few entry points of libmp3lame that the station needs. Debian's libmp3lame0 package ships
/// only the versioned SONAME libmp3lame.so.0 (no unversioned symlink without the -dev package), so a
/// resolver maps the import name to it.
/// </summary>
internal static partial class LameInterop
{
    public const string LibraryName = "mp3lame";
    public const string DebianPackage = "libmp3lame0";

    private static readonly string[] s_candidates = ["libmp3lame.so.0", "libmp3lame.so", "libmp3lame.0.dylib", "libmp3lame.dylib", "libmp3lame.dll", "lame_enc.dll"];

    // MPEG_mode in lame.h
    public const int JointStereo = 1;
    public const int Mono = 3;
    // vbr_mode in lame.h
    public const int VbrOff = 0;

#pragma warning disable CA2255 // a module initializer is how the resolver must be wired before the first P/Invoke
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void RegisterResolver() =>
        NativeLibrary.SetDllImportResolver(typeof(LameInterop).Assembly, Resolve);

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != LibraryName)
        {
            return 0;
        }
        foreach (var candidate in s_candidates)
        {
            if (NativeLibrary.TryLoad(candidate, assembly, searchPath, out var handle))
            {
                return handle;
            }
        }
        return 0;
    }

    /// <summary>Checks that libmp3lame can be loaded; <paramref name="problem"/> is one line for the operator when it cannot.</summary>
    public static bool TryLoad(out string problem)
    {
        foreach (var candidate in s_candidates)
        {
            if (NativeLibrary.TryLoad(candidate, typeof(LameInterop).Assembly, null, out _))
            {
                problem = "";
                return true;
            }
        }
        problem = $"RadioServer cannot start: the LAME MP3 encoder (libmp3lame.so.0) is not installed. Install the Debian package '{DebianPackage}': sudo apt-get install {DebianPackage}";
        return false;
    }

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
