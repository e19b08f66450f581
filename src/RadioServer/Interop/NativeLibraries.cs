using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace RadioServer.Interop;

/// <summary>
/// The one import resolver of the assembly (.NET allows one per assembly): maps each native library's import name
/// to the file names it may have. Debian's runtime packages (libmp3lame0, libmpg123-0, libebur128-1) ship only the
/// versioned SONAME (libmp3lame.so.0, ...), with no unversioned symlink unless the -dev package is there.
/// </summary>
internal static class NativeLibraries
{
    /// <summary>LAME, the one MP3 encoder (Audio/Interop/LameInterop).</summary>
    public const string Lame = "mp3lame";

    /// <summary>libmpg123, the MP3 decoder (gapless).</summary>
    public const string Mpg123 = "mpg123";

    /// <summary>libebur128, EBU R128 / ITU-R BS.1770 loudness and true peak.</summary>
    public const string Ebur128 = "ebur128";

    private static readonly Dictionary<string, (string[] Candidates, string DebianPackage, string What)> s_libraries = new(StringComparer.Ordinal)
    {
        [Lame] = (["libmp3lame.so.0", "libmp3lame.so", "libmp3lame.0.dylib", "libmp3lame.dylib", "libmp3lame.dll", "lame_enc.dll"], "libmp3lame0", "the LAME MP3 encoder"),
        [Mpg123] = (["libmpg123.so.0", "libmpg123.so", "libmpg123.0.dylib", "libmpg123.dylib", "libmpg123-0.dll"], "libmpg123-0", "the mpg123 MP3 decoder"),
        [Ebur128] = (["libebur128.so.1", "libebur128.so", "libebur128.1.dylib", "libebur128.dylib", "ebur128.dll"], "libebur128-1", "the libebur128 loudness meter"),
    };

    /// <summary>Every native library the station needs, for the check at start.</summary>
    public static IEnumerable<string> All => s_libraries.Keys;

#pragma warning disable CA2255 // a module initializer is how the resolver must be wired before the first P/Invoke
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void RegisterResolver() =>
        NativeLibrary.SetDllImportResolver(typeof(NativeLibraries).Assembly, Resolve);

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (!s_libraries.TryGetValue(libraryName, out var library))
        {
            return 0;
        }
        foreach (var candidate in library.Candidates)
        {
            if (NativeLibrary.TryLoad(candidate, assembly, searchPath, out var handle))
            {
                return handle;
            }
        }
        return 0;
    }

    /// <summary>Whether <paramref name="importName"/> can be loaded; <paramref name="problem"/> is one line for the operator when it cannot.</summary>
    public static bool TryLoad(string importName, out string problem)
    {
        var library = s_libraries[importName];
        foreach (var candidate in library.Candidates)
        {
            if (NativeLibrary.TryLoad(candidate, typeof(NativeLibraries).Assembly, null, out _))
            {
                problem = "";
                return true;
            }
        }
        problem = $"RadioServer cannot start: {library.What} ({library.Candidates[0]}) is not installed. Install the Debian package '{library.DebianPackage}': sudo apt-get install {library.DebianPackage}";
        return false;
    }
}
