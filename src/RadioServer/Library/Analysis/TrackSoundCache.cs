using Microsoft.Data.Sqlite;
using RadioServer.Station;

namespace RadioServer.Library.Analysis;

/// <summary>A file as the cache knows it: its path, size and modification time (UTC ticks).</summary>
internal readonly record struct FileStamp(string Path, long Size, long ModifiedTicks)
{
    /// <summary>The stamp of <paramref name="path"/> now; null when it is gone.</summary>
    public static FileStamp? Of(string path)
    {
        var info = new FileInfo(path);
        try
        {
            return info.Exists ? new FileStamp(path, info.Length, info.LastWriteTimeUtc.Ticks) : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}

/// <summary>One file's analysis as cached: its sound, or why it could not be analysed (not tried again until it changes).</summary>
internal sealed record CachedAnalysis(FileStamp Stamp, int Version, TrackSound? Sound, string? Failure)
{
    /// <summary>Still this file's analysis: the same size and time, by this analyser.</summary>
    public bool IsCurrentFor(FileStamp stamp) => Stamp == stamp && Version == LoudnessAnalyser.Version;
}

/// <summary>
/// The analyses in the station's SQLite file (<c>Radio:DatabasePath</c>, table <c>track_sounds</c>), one row per file
/// path with the size, modification time and analyser version it was measured at: a row that no longer matches is
/// redone, never trusted. Rows of files gone from the library stay (a media folder unmounted for a while must not
/// cost the whole library's analysis). Like the host accounts' table it is made with <c>CREATE TABLE IF NOT
/// EXISTS</c> and leaves <c>PRAGMA user_version</c> to the play history. Used by the analysis thread alone.
/// </summary>
internal sealed class TrackSoundCache(string databasePath)
{
    private const string CreateTable = """
        CREATE TABLE IF NOT EXISTS track_sounds (
            path TEXT PRIMARY KEY,
            size INTEGER NOT NULL,
            modified_ticks INTEGER NOT NULL,
            analyser INTEGER NOT NULL,
            failure TEXT,
            integrated_lufs REAL,
            loudness_range REAL,
            true_peak_dbtp REAL,
            cue_in REAL,
            cue_out REAL,
            fade_out_start REAL,
            start_lufs REAL,
            end_lufs REAL,
            analysed_at TEXT NOT NULL);
        """;

    private readonly string _connectionString =
        new SqliteConnectionStringBuilder { DataSource = databasePath, Pooling = false, DefaultTimeout = 5 }.ToString();

    public string DatabasePath { get; } = databasePath;

    /// <summary>Every cached row, by path.</summary>
    public Dictionary<string, CachedAnalysis> Load()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT path, size, modified_ticks, analyser, failure, integrated_lufs, loudness_range, true_peak_dbtp,
                   cue_in, cue_out, fade_out_start, start_lufs, end_lufs
            FROM track_sounds
            """;
        using var reader = command.ExecuteReader();
        var rows = new Dictionary<string, CachedAnalysis>(StringComparer.Ordinal);
        while (reader.Read())
        {
            var stamp = new FileStamp(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2));
            var failure = reader.IsDBNull(4) ? null : reader.GetString(4);
            TrackSound? sound = failure is not null ? null : new TrackSound(
                Real(reader, 5) ?? double.NegativeInfinity,
                Real(reader, 6) ?? 0,
                Real(reader, 7) ?? double.NegativeInfinity,
                TimeSpan.FromSeconds(Real(reader, 8) ?? 0),
                Seconds(Real(reader, 9)),
                Seconds(Real(reader, 10)),
                Real(reader, 11),
                Real(reader, 12),
                TrackSoundSource.Analysis);
            rows[stamp.Path] = new CachedAnalysis(stamp, reader.GetInt32(3), sound, failure);
        }
        return rows;
    }

    /// <summary>Writes (or replaces) the row of <paramref name="entry"/>'s file.</summary>
    public void Save(CachedAnalysis entry, DateTimeOffset at)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT OR REPLACE INTO track_sounds (path, size, modified_ticks, analyser, failure, integrated_lufs, loudness_range,
                true_peak_dbtp, cue_in, cue_out, fade_out_start, start_lufs, end_lufs, analysed_at)
            VALUES ($path, $size, $modified, $analyser, $failure, $integrated, $range, $peak, $cueIn, $cueOut, $fade, $start, $end, $at)
            """;
        var s = entry.Sound;
        command.Parameters.AddWithValue("$path", entry.Stamp.Path);
        command.Parameters.AddWithValue("$size", entry.Stamp.Size);
        command.Parameters.AddWithValue("$modified", entry.Stamp.ModifiedTicks);
        command.Parameters.AddWithValue("$analyser", entry.Version);
        command.Parameters.AddWithValue("$failure", (object?)entry.Failure ?? DBNull.Value);
        // Silence (−∞) is written as NULL: SQLite keeps infinities, but not every tool that reads the file does.
        command.Parameters.AddWithValue("$integrated", Value(s?.IntegratedLufs));
        command.Parameters.AddWithValue("$range", Value(s?.LoudnessRange));
        command.Parameters.AddWithValue("$peak", Value(s?.TruePeakDbtp));
        command.Parameters.AddWithValue("$cueIn", Value(s?.CueIn.TotalSeconds));
        command.Parameters.AddWithValue("$cueOut", Value(s?.CueOut?.TotalSeconds));
        command.Parameters.AddWithValue("$fade", Value(s?.FadeOutStart?.TotalSeconds));
        command.Parameters.AddWithValue("$start", Value(s?.StartLufs));
        command.Parameters.AddWithValue("$end", Value(s?.EndLufs));
        command.Parameters.AddWithValue("$at", at.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        command.ExecuteNonQuery();
    }

    private SqliteConnection Open() => StationDatabase.Open(DatabasePath, _connectionString, CreateTable);

    private static object Value(double? value) => value is { } v && double.IsFinite(v) ? v : DBNull.Value;

    private static double? Real(SqliteDataReader reader, int column) => reader.IsDBNull(column) ? null : reader.GetDouble(column);

    private static TimeSpan? Seconds(double? seconds) => seconds is { } s ? TimeSpan.FromSeconds(s) : null;
}
