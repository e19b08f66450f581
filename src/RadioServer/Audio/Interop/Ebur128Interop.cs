using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using RadioServer.Interop;

namespace RadioServer.Audio.Interop;

/// <summary>The entry points of libebur128 (Debian libebur128-1, 1.2.x) that the station uses; ebur128.h names them.</summary>
internal static partial class Ebur128Interop
{
    public const string LibraryName = NativeLibraries.Ebur128;

    // enum mode in ebur128.h
    public const int ModeM = 1 << 0;
    public const int ModeS = (1 << 1) | ModeM;
    public const int ModeI = (1 << 2) | ModeM;
    public const int ModeLra = (1 << 3) | ModeS;
    public const int ModeSamplePeak = (1 << 4) | ModeM;
    public const int ModeTruePeak = (1 << 5) | ModeM | ModeSamplePeak;
    public const int ModeHistogram = 1 << 6;

    public const int Success = 0;

    [LibraryImport(LibraryName, EntryPoint = "ebur128_init")]
    internal static partial SafeEbur128Handle Init(uint channels, nuint sampleRate, int mode);

    /// <summary>Takes a pointer to the state pointer and sets it to NULL.</summary>
    [LibraryImport(LibraryName, EntryPoint = "ebur128_destroy")]
    internal static partial void Destroy(ref nint state);

    /// <summary>Interleaved float frames (a frame is one sample per channel).</summary>
    [LibraryImport(LibraryName, EntryPoint = "ebur128_add_frames_float")]
    internal static unsafe partial int AddFramesFloat(SafeEbur128Handle state, float* source, nuint frames);

    [LibraryImport(LibraryName, EntryPoint = "ebur128_loudness_global")]
    internal static partial int LoudnessGlobal(SafeEbur128Handle state, out double lufs);

    [LibraryImport(LibraryName, EntryPoint = "ebur128_loudness_momentary")]
    internal static partial int LoudnessMomentary(SafeEbur128Handle state, out double lufs);

    [LibraryImport(LibraryName, EntryPoint = "ebur128_loudness_shortterm")]
    internal static partial int LoudnessShortTerm(SafeEbur128Handle state, out double lufs);

    /// <summary>Loudness of the last <paramref name="milliseconds"/> (at most the window set at init).</summary>
    [LibraryImport(LibraryName, EntryPoint = "ebur128_loudness_window")]
    internal static partial int LoudnessWindow(SafeEbur128Handle state, nuint milliseconds, out double lufs);

    [LibraryImport(LibraryName, EntryPoint = "ebur128_loudness_range")]
    internal static partial int LoudnessRange(SafeEbur128Handle state, out double lu);

    /// <summary>Highest true peak of the channel since init (linear, 1.0 = 0 dBTP).</summary>
    [LibraryImport(LibraryName, EntryPoint = "ebur128_true_peak")]
    internal static partial int TruePeak(SafeEbur128Handle state, uint channel, out double peak);

    /// <summary>Highest true peak of the channel in the last add_frames call (linear).</summary>
    [LibraryImport(LibraryName, EntryPoint = "ebur128_prev_true_peak")]
    internal static partial int PreviousTruePeak(SafeEbur128Handle state, uint channel, out double peak);

    [LibraryImport(LibraryName, EntryPoint = "ebur128_sample_peak")]
    internal static partial int SamplePeak(SafeEbur128Handle state, uint channel, out double peak);

    [LibraryImport(LibraryName, EntryPoint = "ebur128_set_max_window")]
    internal static partial int SetMaxWindow(SafeEbur128Handle state, nuint milliseconds);
}

/// <summary>Owns an <c>ebur128_state*</c>; <c>ebur128_destroy</c> runs exactly once.</summary>
internal sealed class SafeEbur128Handle() : SafeHandleZeroOrMinusOneIsInvalid(ownsHandle: true)
{
    protected override bool ReleaseHandle()
    {
        var state = handle;
        Ebur128Interop.Destroy(ref state);
        return true;
    }
}
