using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using RadioServer.Station;

namespace RadioServer.Live.Recording;

/// <summary>One recording on disk: finished (<c>.mp3</c>) or being recorded (<c>.mp3.part</c>, named here by its final name).</summary>
/// <param name="ShowId">The show's folder.</param>
/// <param name="FileName">The final name, <c>yyyy-MM-dd_HHmm.mp3</c>, also while it is recorded.</param>
/// <param name="FullPath">The file as it is now (the <c>.part</c> while recording).</param>
/// <param name="LocalStart">The slot's start in station time, from the name.</param>
/// <param name="Bytes">The file's length now.</param>
/// <param name="DurationSeconds">From the audio's bytes and its frames' bitrate; null when no frame is readable.</param>
/// <param name="Recording">The file is still a <c>.part</c>.</param>
internal sealed record RecordingFile(string ShowId, string FileName, string FullPath, DateTime LocalStart, long Bytes, double? DurationSeconds, bool Recording);

/// <summary>
/// The recordings folder (<see cref="LiveOptions.RecordingsPath"/>): <c>&lt;show id&gt;/&lt;yyyy-MM-dd_HHmm&gt;.mp3</c>, and a
/// <c>.part</c> beside it while recording. Names are checked against strict patterns both ways, so no name from a
/// request or a schedule ever reaches the file system unchecked.
/// </summary>
internal sealed partial class RecordingFiles
{
    public const string PartSuffix = ".part";
    private const string StampFormat = "yyyy-MM-dd_HHmm";

    public RecordingFiles(IOptions<LiveOptions> options, StationPaths paths)
    {
        var path = options.Value.RecordingsPath;
        Root = string.IsNullOrEmpty(path) ? null : paths.Resolve(path);
    }

    /// <summary>The folder; null when recording is off.</summary>
    public string? Root { get; }

    /// <summary>A show id as schedule.json allows it (lowercase letters, digits, dashes), and not too long for a folder name.</summary>
    public static bool IsShowId(string? id) => id is not null && ShowIdPattern().IsMatch(id);

    /// <summary>A recording's final name, <c>2026-11-26_0700.mp3</c>.</summary>
    public static bool IsFileName(string? name) => name is not null && FileNamePattern().IsMatch(name) && TryParseStart(name, out _);

    /// <summary>The final name of the slot starting at <paramref name="stationStart"/> (station time).</summary>
    public static string FileName(DateTimeOffset stationStart) => stationStart.ToString(StampFormat, CultureInfo.InvariantCulture) + ".mp3";

    public static bool TryParseStart(string name, out DateTime localStart) =>
        DateTime.TryParseExact(name.AsSpan(0, Math.Min(name.Length, StampFormat.Length)), StampFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out localStart);

    /// <summary>The show's folder; throws for an id that is not one (never a path outside the root).</summary>
    public string ShowFolder(string showId)
    {
        var root = Root ?? throw new InvalidOperationException("Recording is off.");
        return IsShowId(showId) ? Path.Combine(root, showId) : throw new ArgumentException($"'{showId}' is not a show id.", nameof(showId));
    }

    /// <summary>Every recording of the shows <paramref name="include"/> accepts, newest first.</summary>
    public IReadOnlyList<RecordingFile> List(Func<string, bool> include)
    {
        var result = new List<RecordingFile>();
        if (Root is null || !Directory.Exists(Root))
        {
            return result;
        }
        foreach (var folder in Directory.EnumerateDirectories(Root))
        {
            var showId = Path.GetFileName(folder);
            if (!IsShowId(showId) || !include(showId))
            {
                continue;
            }
            foreach (var path in Directory.EnumerateFiles(folder))
            {
                var name = Path.GetFileName(path);
                var recording = name.EndsWith(PartSuffix, StringComparison.Ordinal);
                var finalName = recording ? name[..^PartSuffix.Length] : name;
                // A finished file and a .part of the same slot (one left by a crash): the .part is the one that grows.
                if (IsFileName(finalName) && (recording || !File.Exists(path + PartSuffix)) && Describe(showId, finalName, path, recording) is { } file)
                {
                    result.Add(file);
                }
            }
        }
        result.Sort((a, b) => b.LocalStart.CompareTo(a.LocalStart) is var byStart and not 0 ? byStart : string.CompareOrdinal(a.ShowId, b.ShowId));
        return result;
    }

    /// <summary>The recording named so, finished or not; null when there is none. The names must already be checked.</summary>
    public RecordingFile? Find(string showId, string fileName)
    {
        if (Root is null || !IsShowId(showId) || !IsFileName(fileName))
        {
            return null;
        }
        var path = Path.Combine(Root, showId, fileName);
        return Describe(showId, fileName, path + PartSuffix, recording: true) ?? Describe(showId, fileName, path, recording: false);
    }

    private static RecordingFile? Describe(string showId, string fileName, string path, bool recording)
    {
        TryParseStart(fileName, out var start);
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1);
            return new RecordingFile(showId, fileName, path, start, stream.Length, Mp3Layout.DurationSeconds(stream), recording);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null; // renamed (finished) or deleted since it was listed
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // There but unreadable to the server (permissions changed by hand): listed, without a duration.
            var info = new FileInfo(path);
            return info.Exists ? new RecordingFile(showId, fileName, path, start, info.Length, null, recording) : null;
        }
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,99}$", RegexOptions.CultureInvariant)]
    private static partial Regex ShowIdPattern();

    [GeneratedRegex(@"^[0-9]{4}-[0-9]{2}-[0-9]{2}_[0-9]{4}\.mp3$", RegexOptions.CultureInvariant)]
    private static partial Regex FileNamePattern();
}
