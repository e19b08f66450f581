using System.Runtime.InteropServices;
using RadioServer.Interop;

namespace RadioServer.Audio.Interop;

/// <summary>
/// The entry points of libmpg123 (Debian libmpg123-0, 1.31) that the station uses; mpg123.h and fmt123.h name them.
/// Only the feed API (mpg123_open_feed, mpg123_feed, mpg123_read, mpg123_decode): the station reads the file itself,
/// through a .NET FileStream, so no off_t crosses the boundary and no callback runs managed code from native code.
/// Gapless decoding (MPG123_GAPLESS) is libmpg123's default: it trims the encoder delay and padding that a LAME/Xing
/// info frame declares, in feed mode too. It does not read iTunes' iTunSMPB comment.
/// </summary>
internal static partial class Mpg123Interop
{
    public const string LibraryName = NativeLibraries.Mpg123;

    // enum mpg123_errors
    public const int Done = -12;
    public const int NewFormat = -11;
    public const int NeedMore = -10;
    public const int Error = -1;
    public const int Ok = 0;

    // enum mpg123_parms
    public const int ParamAddFlags = 2;
    public const int ParamRemoveFlags = 13;

    // enum mpg123_param_flags
    public const int FlagQuiet = 0x20;
    public const int FlagGapless = 0x40;
    public const int FlagSkipId3V2 = 0x2000;

    // enum mpg123_channelcount
    public const int Mono = 1;
    public const int Stereo = 2;

    // enum mpg123_enc_enum (fmt123.h): 32-bit IEEE float in the machine's byte order.
    public const int EncodingFloat32 = 0x200;

    /// <summary>The sample rates an MPEG audio stream may have (mpg123_rates), each allowed as float output.</summary>
    public static ReadOnlySpan<int> Rates => [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000];

    /// <summary>A no-op since 1.27 (API 46); called once for older libraries, where it was required.</summary>
    [LibraryImport(LibraryName, EntryPoint = "mpg123_init")]
    internal static partial int Init();

    /// <summary><paramref name="decoder"/> NULL: the fastest decoder for this CPU.</summary>
    [LibraryImport(LibraryName, EntryPoint = "mpg123_new")]
    internal static partial SafeMpg123Handle New(nint decoder, out int error);

    [LibraryImport(LibraryName, EntryPoint = "mpg123_delete")]
    internal static partial void Delete(nint handle);

    /// <summary>mpg123_param2: the enum-free name (mpg123.h maps mpg123_param to it unless MPG123_ENUM_API).</summary>
    [LibraryImport(LibraryName, EntryPoint = "mpg123_param2")]
    internal static partial int Param(SafeMpg123Handle handle, int type, CLong value, double floatValue);

    [LibraryImport(LibraryName, EntryPoint = "mpg123_format_none")]
    internal static partial int FormatNone(SafeMpg123Handle handle);

    /// <summary><paramref name="channels"/> a combination of <see cref="Mono"/> and <see cref="Stereo"/>.</summary>
    [LibraryImport(LibraryName, EntryPoint = "mpg123_format")]
    internal static partial int Format(SafeMpg123Handle handle, CLong rate, int channels, int encodings);

    [LibraryImport(LibraryName, EntryPoint = "mpg123_getformat")]
    internal static partial int GetFormat(SafeMpg123Handle handle, out CLong rate, out int channels, out int encoding);

    [LibraryImport(LibraryName, EntryPoint = "mpg123_open_feed")]
    internal static partial int OpenFeed(SafeMpg123Handle handle);

    /// <summary>libmpg123 copies the bytes into its own buffer chain.</summary>
    [LibraryImport(LibraryName, EntryPoint = "mpg123_feed")]
    internal static unsafe partial int Feed(SafeMpg123Handle handle, byte* input, nuint size);

    /// <summary>Decodes what has been fed into <paramref name="output"/>; <see cref="NeedMore"/> when it wants input.</summary>
    [LibraryImport(LibraryName, EntryPoint = "mpg123_read")]
    internal static unsafe partial int Read(SafeMpg123Handle handle, void* output, nuint outputSize, out nuint done);

    /// <summary>mpg123_feed and mpg123_read in one call (either buffer may be empty).</summary>
    [LibraryImport(LibraryName, EntryPoint = "mpg123_decode")]
    internal static unsafe partial int Decode(SafeMpg123Handle handle, byte* input, nuint inputSize, void* output, nuint outputSize, out nuint done);

    /// <summary>
    /// The byte offset in the input that the parser has reached (of the bytes fed since the feed was opened). The
    /// largefile name: off_t is 64-bit on Debian's 64-bit ports, where both names are the same function.
    /// </summary>
    [LibraryImport(LibraryName, EntryPoint = "mpg123_tell_stream_64")]
    internal static partial long TellStream(SafeMpg123Handle handle);

    [LibraryImport(LibraryName, EntryPoint = "mpg123_strerror")]
    internal static partial nint StrError(SafeMpg123Handle handle);

    [LibraryImport(LibraryName, EntryPoint = "mpg123_plain_strerror")]
    internal static partial nint PlainStrError(int error);

    private static readonly Lazy<int> s_init = new(Init);

    /// <summary>
    /// A feed-mode handle that decodes every MPEG rate, mono or stereo, to 32-bit float at the stream's own rate and
    /// channels (libmpg123 never resamples then: the station's WDL resampler does it better), quiet on stderr,
    /// gapless, ID3v2 skipped unparsed (TagLib reads tags).
    /// </summary>
    public static SafeMpg123Handle OpenFloatFeed()
    {
        _ = s_init.Value;
        var handle = New(0, out var error);
        if (handle.IsInvalid)
        {
            handle.Dispose();
            throw new InvalidOperationException($"mpg123_new failed: {Message(error)}");
        }
        try
        {
            Check(handle, Param(handle, ParamAddFlags, new CLong(FlagQuiet | FlagGapless | FlagSkipId3V2), 0), "mpg123_param");
            Check(handle, FormatNone(handle), "mpg123_format_none");
            foreach (var rate in Rates)
            {
                Check(handle, Format(handle, new CLong(rate), Mono | Stereo, EncodingFloat32), "mpg123_format");
            }
            Check(handle, OpenFeed(handle), "mpg123_open_feed");
            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>The format libmpg123 has set up after <see cref="NewFormat"/>: rate and channels (always float).</summary>
    public static (int Rate, int Channels) CurrentFormat(SafeMpg123Handle handle)
    {
        Check(handle, GetFormat(handle, out var rate, out var channels, out var encoding), "mpg123_getformat");
        if (encoding != EncodingFloat32 || channels is < 1 or > 2)
        {
            throw new InvalidDataException($"libmpg123 chose encoding 0x{encoding:x} with {channels} channels, not float.");
        }
        return ((int)rate.Value, channels);
    }

    /// <summary>Why the handle's last call failed, in libmpg123's words.</summary>
    public static string Message(SafeMpg123Handle handle) => Marshal.PtrToStringUTF8(StrError(handle)) ?? "unknown error";

    public static string Message(int error) => Marshal.PtrToStringUTF8(PlainStrError(error)) ?? $"error {error}";

    private static void Check(SafeMpg123Handle handle, int result, string call)
    {
        if (result != Ok)
        {
            throw new InvalidOperationException($"{call} failed: {Message(handle)}");
        }
    }
}
