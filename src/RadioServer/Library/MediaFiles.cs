using RadioServer.Interop;

namespace RadioServer.Library;

/// <summary>
/// The files under a media folder, every folder walked once by its real path: a symlinked folder is followed once,
/// and a link to a folder already walked (a loop back up the tree, or a second name for the same folder) is skipped.
/// Without this a link loop was walked until paths grew too long (17 tracks listed as 898).
/// </summary>
internal static class MediaFiles
{
    private static readonly EnumerationOptions s_options = new()
    {
        RecurseSubdirectories = false,
        IgnoreInaccessible = true,
        AttributesToSkip = FileAttributes.Hidden | FileAttributes.System,
    };

    /// <summary>Every file under <paramref name="root"/>; <paramref name="skippedLinks"/> gets the folders skipped as already walked.</summary>
    public static List<string> Enumerate(string root, List<string>? skippedLinks = null)
    {
        var files = new List<string>();
        var walked = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>();
        pending.Push(root);
        while (pending.TryPop(out var folder))
        {
            if (Libc.RealPath(folder) is not { } real)
            {
                continue; // gone meanwhile, or a dangling link
            }
            if (!walked.Add(real))
            {
                skippedLinks?.Add(folder);
                continue;
            }
            try
            {
                files.AddRange(Directory.EnumerateFiles(folder, "*", s_options));
                // Alphabetical order, so of two names for one folder the same one is kept every scan.
                foreach (var sub in Directory.EnumerateDirectories(folder, "*", s_options).Order(StringComparer.Ordinal).Reverse())
                {
                    pending.Push(sub);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // unreadable now: the next scan tries again
            }
        }
        return files;
    }
}
