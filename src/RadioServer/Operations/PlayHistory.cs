using System.Globalization;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using RadioServer.Audio;
using RadioServer.Audio.Loudness;
using RadioServer.Live;
using RadioServer.Scheduling;
using RadioServer.Station;
using RadioServer.Streaming;
using RadioServer.Streaming.Listeners;

namespace RadioServer.Operations;

/// <summary>
/// The play history in SQLite (<c>Radio:DatabasePath</c>, created and migrated at start): one row per item
/// played, written when it ends (and for the item on air when the server stops), with its loudness as it went on air
/// (the air chain's <see cref="OnAirMeter"/>: integrated loudness and highest true peak, after the limiter). The air chain only
/// notes the new item in memory; one writer owns the database. When the file cannot be written (corrupt, locked, read-only)
/// the station stays on air: plays wait in memory, the write is retried every
/// <see cref="OperationsOptions.HistoryRetrySeconds"/>, and the failure shows in status, metrics and the log.
/// </summary>
internal sealed partial class PlayHistory : BackgroundService, IMetricSource
{
    // 1: the plays; 2: their live flag; 3: their loudness on air.
    private const int SchemaVersion = 3;
    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    private readonly AirChain _chain;
    private readonly OnAirMeter _meter;
    private readonly ScheduleStore _schedule;
    private readonly ListenerRegistry _listeners;
    private readonly TimeProvider _time;
    private readonly ILogger<PlayHistory> _logger;
    private readonly OperationsOptions _options;
    private readonly string _connectionString;
    // Wakes the writer; one pending wake-up is enough.
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Lock _gate = new();
    private readonly Queue<HistoryEntry> _pending = new();
    private HistoryEntry? _current;
    private int _currentPeak;
    private bool _migrated;
    private long _written;
    private long _writeErrors;
    private string? _lastError;
    private DateTimeOffset? _lastErrorAt;

    public PlayHistory(AirChain chain, ScheduleStore schedule, ListenerRegistry listeners, StationPaths paths, IOptions<OperationsOptions> options, TimeProvider time, ILogger<PlayHistory> logger)
    {
        _chain = chain;
        _meter = chain.Meter;
        _schedule = schedule;
        _listeners = listeners;
        _time = time;
        _logger = logger;
        _options = options.Value;
        DatabasePath = paths.DatabasePath;
        _connectionString = new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = false, DefaultTimeout = 5 }.ToString();
    }

    /// <summary>Raised on the writer after an item's row was written (or queued, when the database fails).</summary>
    public event Action<HistoryEntry>? Played;

    /// <summary>Raised when writing starts failing (true) or works again (false).</summary>
    public event Action<bool, string>? HealthChanged;

    public string DatabasePath { get; }

    public HistoryStatus Status()
    {
        lock (_gate)
        {
            return new HistoryStatus(_lastError is null, Interlocked.Read(ref _written), _pending.Count, Interlocked.Read(ref _writeErrors), _lastError, _lastErrorAt);
        }
    }

    public long WriteErrors => Interlocked.Read(ref _writeErrors);

    public int Pending
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    public void Describe(IMetricsBuilder metrics)
    {
        metrics.Counter("radio_history_write_errors_total", "Failed attempts to write the play history.", () => WriteErrors);
        metrics.Gauge("radio_history_pending", "Plays waiting in memory for the history database.", () => Pending);
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _chain.TrackChanged += OnTrackChanged;
        _listeners.Joined += OnJoined;
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _chain.TrackChanged -= OnTrackChanged;
        _listeners.Joined -= OnJoined;
        _wake.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
        // The item on air when the server stops ends now; write it and whatever waited, once more.
        lock (_gate)
        {
            if (_current is { } current)
            {
                Finish(current, _time.GetUtcNow(), SoFar());
                _current = null;
            }
        }
        TryFlush();
    }

    // On the audio thread, once per item: note it in memory (no I/O) and wake the writer.
    private void OnTrackChanged(TrackMark mark)
    {
        Began(mark);
        _wake.Writer.TryWrite(true);
    }

    private void OnJoined(ListenerSession session)
    {
        var count = _listeners.Count;
        int peak;
        while (count > (peak = Volatile.Read(ref _currentPeak)) && Interlocked.CompareExchange(ref _currentPeak, count, peak) != peak)
        {
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var retry = TimeSpan.FromSeconds(_options.HistoryRetrySeconds);
        TryFlush(); // creates and migrates the database at start
        var reader = _wake.Reader;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                // Wait for the next track, or for the retry time while plays are waiting.
                var waiting = Pending > 0 || !_migrated;
                if (waiting)
                {
                    using var delay = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                    var readable = reader.WaitToReadAsync(delay.Token).AsTask();
                    var timer = Task.Delay(retry, _time, delay.Token);
                    await Task.WhenAny(readable, timer);
                    await delay.CancelAsync();
                }
                else if (!await reader.WaitToReadAsync(stoppingToken))
                {
                    return;
                }
                while (reader.TryRead(out _))
                {
                }
                TryFlush();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>A new item is on air: the one before ends now.</summary>
    private void Began(TrackMark mark)
    {
        var now = mark.StartedAt;
        var (slot, _) = _schedule.Current.At(now);
        var track = mark.Track;
        var live = LiveTrack.IsLive(track);
        var listeners = _listeners.Count;
        lock (_gate)
        {
            if (_current is { } previous)
            {
                // The meter closed the item that this mark ends just before the chain raised TrackChanged.
                Finish(previous, now, _meter.LastItem);
            }
            _current = new HistoryEntry(now, null, null, slot?.Show.Id, slot?.Show.Title ?? _schedule.Current.AutomationTitle,
                track?.Artist ?? "", track?.Title ?? mark.StreamTitle, track?.Album, live ? null : track?.RelativePath, listeners, listeners, live);
            Volatile.Write(ref _currentPeak, listeners);
        }
    }

    /// <summary>The loudness of the item on air so far (the meter's running values, from any thread).</summary>
    private ItemLoudness SoFar() => new(Round(_meter.ItemIntegratedLufs), Round(_meter.ItemTruePeakDbtp));

    private static double? Round(double value) => double.IsFinite(value) ? Math.Round(value, 2) : null;

    private void Finish(HistoryEntry entry, DateTimeOffset endedAt, ItemLoudness? loudness)
    {
        var done = entry with
        {
            LoudnessLufs = loudness?.IntegratedLufs,
            TruePeakDbtp = loudness?.TruePeakDbtp,
            EndedAt = endedAt,
            DurationSeconds = Math.Round((endedAt - entry.StartedAt).TotalSeconds, 3),
            ListenersPeak = Math.Max(entry.ListenersAtStart, Volatile.Read(ref _currentPeak)),
        };
        _pending.Enqueue(done);
        while (_pending.Count > _options.HistoryMaxPending)
        {
            var lost = _pending.Dequeue();
            Log.PlayLost(_logger, lost.Artist, lost.Title, lost.StartedAt);
        }
    }

    /// <summary>Writes every waiting play in one transaction; on failure they stay queued for the next try.</summary>
    internal void TryFlush()
    {
        HistoryEntry[] batch;
        lock (_gate)
        {
            batch = [.. _pending];
        }
        if (batch.Length == 0 && _migrated)
        {
            return;
        }
        try
        {
            using var connection = Open();
            using var transaction = connection.BeginTransaction();
            using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = """
                INSERT INTO plays (started_at, ended_at, duration_seconds, show_id, show, artist, title, album, file, listeners_start, listeners_peak, live, loudness_lufs, true_peak_dbtp)
                VALUES ($started, $ended, $duration, $showId, $show, $artist, $title, $album, $file, $listenersStart, $listenersPeak, $live, $loudness, $truePeak)
                """;
            foreach (var entry in batch)
            {
                insert.Parameters.Clear();
                insert.Parameters.AddWithValue("$started", Format(entry.StartedAt));
                insert.Parameters.AddWithValue("$ended", entry.EndedAt is { } ended ? Format(ended) : DBNull.Value);
                insert.Parameters.AddWithValue("$duration", (object?)entry.DurationSeconds ?? DBNull.Value);
                insert.Parameters.AddWithValue("$showId", (object?)entry.ShowId ?? DBNull.Value);
                insert.Parameters.AddWithValue("$show", entry.Show);
                insert.Parameters.AddWithValue("$artist", entry.Artist);
                insert.Parameters.AddWithValue("$title", entry.Title);
                insert.Parameters.AddWithValue("$album", (object?)entry.Album ?? DBNull.Value);
                insert.Parameters.AddWithValue("$file", (object?)entry.File ?? DBNull.Value);
                insert.Parameters.AddWithValue("$listenersStart", entry.ListenersAtStart);
                insert.Parameters.AddWithValue("$listenersPeak", entry.ListenersPeak);
                insert.Parameters.AddWithValue("$live", entry.Live ? 1 : 0);
                insert.Parameters.AddWithValue("$loudness", (object?)entry.LoudnessLufs ?? DBNull.Value);
                insert.Parameters.AddWithValue("$truePeak", (object?)entry.TruePeakDbtp ?? DBNull.Value);
                insert.ExecuteNonQuery();
            }
            transaction.Commit();
            bool recovered;
            lock (_gate)
            {
                for (var i = 0; i < batch.Length; i++)
                {
                    _pending.Dequeue();
                }
                recovered = _lastError is not null;
                _lastError = null;
            }
            Interlocked.Add(ref _written, batch.Length);
            if (recovered)
            {
                Log.Recovered(_logger, DatabasePath, batch.Length);
                HealthChanged?.Invoke(false, $"Play history is written again ({batch.Length} waiting plays saved).");
            }
            foreach (var entry in batch)
            {
                Played?.Invoke(entry);
            }
        }
        catch (Exception ex) when (ex is SqliteException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            Interlocked.Increment(ref _writeErrors);
            bool first;
            lock (_gate)
            {
                first = _lastError is null;
                _lastError = ex.Message;
                _lastErrorAt = _time.GetUtcNow();
            }
            Log.WriteFailed(_logger, DatabasePath, batch.Length, _options.HistoryRetrySeconds, ex.Message);
            if (first)
            {
                HealthChanged?.Invoke(true, $"Play history cannot be written to {Path.GetFileName(DatabasePath)}: {ex.Message}");
            }
        }
    }

    /// <summary>Plays that started in [from, to), oldest first; the item on air now is included (without an end).</summary>
    public IReadOnlyList<HistoryEntry> Query(DateTimeOffset from, DateTimeOffset to, int limit = 100_000)
    {
        var result = new List<HistoryEntry>();
        using (var connection = Open())
        using (var query = connection.CreateCommand())
        {
            query.CommandText = """
                SELECT started_at, ended_at, duration_seconds, show_id, show, artist, title, album, file, listeners_start, listeners_peak, live, loudness_lufs, true_peak_dbtp
                FROM plays WHERE started_at >= $from AND started_at < $to ORDER BY started_at, id LIMIT $limit
                """;
            query.Parameters.AddWithValue("$from", Format(from));
            query.Parameters.AddWithValue("$to", Format(to));
            query.Parameters.AddWithValue("$limit", limit);
            using var reader = query.ExecuteReader();
            while (reader.Read())
            {
                result.Add(new HistoryEntry(
                    Parse(reader.GetString(0)), reader.IsDBNull(1) ? null : Parse(reader.GetString(1)), reader.IsDBNull(2) ? null : reader.GetDouble(2),
                    reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.GetString(6),
                    reader.IsDBNull(7) ? null : reader.GetString(7), reader.IsDBNull(8) ? null : reader.GetString(8), reader.GetInt32(9), reader.GetInt32(10), reader.GetInt32(11) != 0,
                    reader.IsDBNull(12) ? null : reader.GetDouble(12), reader.IsDBNull(13) ? null : reader.GetDouble(13)));
            }
        }
        lock (_gate)
        {
            // Plays not yet in the file (it failed, or the writer has not run yet) and the item on air.
            var written = result.Select(e => e.StartedAt).ToHashSet();
            foreach (var entry in _pending.Append(_current).OfType<HistoryEntry>())
            {
                if (entry.StartedAt >= from && entry.StartedAt < to && !written.Contains(entry.StartedAt))
                {
                    result.Add(entry.EndedAt is null
                        ? entry with { ListenersPeak = Math.Max(entry.ListenersAtStart, Volatile.Read(ref _currentPeak)), LoudnessLufs = Round(_meter.ItemIntegratedLufs), TruePeakDbtp = Round(_meter.ItemTruePeakDbtp) }
                        : entry);
                }
            }
        }
        return result.OrderBy(e => e.StartedAt).ToList();
    }

    /// <summary>The last <paramref name="count"/> plays, newest first, from memory and the file.</summary>
    public IReadOnlyList<HistoryEntry> Recent(int count)
    {
        var now = _time.GetUtcNow();
        try
        {
            return Query(now.AddDays(-7), now.AddMinutes(1)).Reverse().Take(count).ToList();
        }
        catch (Exception ex) when (ex is SqliteException or IOException or InvalidOperationException)
        {
            lock (_gate)
            {
                return _pending.Append(_current).OfType<HistoryEntry>().Reverse().Take(count).ToList();
            }
        }
    }

    private SqliteConnection Open() => StationDatabase.Open(DatabasePath, _connectionString, then: connection =>
    {
        if (!_migrated)
        {
            Migrate(connection);
            _migrated = true;
        }
    });

    /// <summary>Creates the schema, or brings an older one up to date (PRAGMA user_version is the schema's version).</summary>
    private void Migrate(SqliteConnection connection)
    {
        using var version = connection.CreateCommand();
        version.CommandText = "PRAGMA user_version;";
        var current = Convert.ToInt32(version.ExecuteScalar(), CultureInfo.InvariantCulture);
        if (current > SchemaVersion)
        {
            throw new InvalidOperationException($"the history database has schema version {current}, newer than this server's {SchemaVersion}");
        }
        if (current == SchemaVersion)
        {
            return;
        }
        using var transaction = connection.BeginTransaction();
        using var migrate = connection.CreateCommand();
        migrate.Transaction = transaction;
        // Each version's step in turn, so a file of any older version arrives at this one.
        var create = current >= 1 ? "" : """
            CREATE TABLE IF NOT EXISTS plays (
                id INTEGER PRIMARY KEY,
                started_at TEXT NOT NULL,
                ended_at TEXT,
                duration_seconds REAL,
                show_id TEXT,
                show TEXT NOT NULL,
                artist TEXT NOT NULL,
                title TEXT NOT NULL,
                album TEXT,
                file TEXT,
                listeners_start INTEGER NOT NULL,
                listeners_peak INTEGER NOT NULL);
            CREATE INDEX IF NOT EXISTS plays_started_at ON plays (started_at);
            """;
        var live = current >= 2 ? "" : "ALTER TABLE plays ADD COLUMN live INTEGER NOT NULL DEFAULT 0;";
        // Rows from before keep null: their loudness was never measured.
        var loudness = current >= 3 ? "" : "ALTER TABLE plays ADD COLUMN loudness_lufs REAL; ALTER TABLE plays ADD COLUMN true_peak_dbtp REAL;";
        migrate.CommandText = $"""
            {create}
            {live}
            {loudness}
            PRAGMA user_version = {SchemaVersion};
            """;
        migrate.ExecuteNonQuery();
        transaction.Commit();
        Log.Migrated(_logger, DatabasePath, current, SchemaVersion);
    }

    private static string Format(DateTimeOffset at) => at.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    private static DateTimeOffset Parse(string text) =>
        DateTimeOffset.ParseExact(text, TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Error, "Play history: cannot write {Count} plays to {Path}; trying again in {RetrySeconds} s, the station stays on air: {Reason}", EventName = "HistoryWriteFailed")]
        public static partial void WriteFailed(ILogger logger, string path, int count, double retrySeconds, string reason);

        [LoggerMessage(2, LogLevel.Information, "Play history: {Path} is written again; {Count} waiting plays saved.", EventName = "HistoryRecovered")]
        public static partial void Recovered(ILogger logger, string path, int count);

        [LoggerMessage(3, LogLevel.Information, "Play history: {Path} migrated from schema {From} to {To}.", EventName = "HistoryMigrated")]
        public static partial void Migrated(ILogger logger, string path, int from, int to);

        [LoggerMessage(4, LogLevel.Error, "Play history: too many plays waiting; {Artist} - {Title} ({StartedAt:O}) is lost.", EventName = "HistoryPlayLost")]
        public static partial void PlayLost(ILogger logger, string artist, string title, DateTimeOffset startedAt);
    }
}
