using System.Text;
using RadioServer.Station;

namespace RadioServer.Scheduling;

/// <summary>
/// The schedule in force. Loads schedule.json at start, notices edits on disk (checked every second,
/// so an edit is on air within 2 s), and applies schedules sent through the host API after writing them
/// atomically (temp file + rename, the schedule that was on air kept as .bak). A schedule with errors is refused
/// with every reason and the last good one stays.
/// </summary>
internal sealed partial class ScheduleStore : IHostedService, IDisposable
{
    public const int MaxBytes = 1024 * 1024;
    private static readonly TimeSpan s_pollInterval = TimeSpan.FromSeconds(1);

    private readonly StationPaths _paths;
    private readonly TimeProvider _time;
    private readonly ILogger<ScheduleStore> _logger;
    private readonly Lock _gate = new();
    private volatile Schedule _current;
    private (DateTime Modified, long Length) _seen;
    private ITimer? _timer;

    public ScheduleStore(StationPaths paths, TimeProvider time, ILogger<ScheduleStore> logger)
    {
        _paths = paths;
        _time = time;
        _logger = logger;
        _current = Fallback();
    }

    /// <summary>Raised after a new schedule is in force (on the thread that applied it).</summary>
    public event Action<Schedule>? Changed;

    public Schedule Current => _current;

    public string FilePath => _paths.SchedulePath;

    public DateTimeOffset? LoadedAt { get; private set; }

    public string? LastError { get; private set; }

    public long Reloads { get; private set; }

    public long Errors { get; private set; }

    public ScheduleParseResult Validate(string json) => new ScheduleParser(_paths.MediaPath).Parse(json);

    /// <summary>Validates, writes atomically, then applies. Nothing changes on disk or on air when there are errors.</summary>
    public ScheduleParseResult Replace(string json)
    {
        lock (_gate)
        {
            var result = Validate(json);
            if (!result.IsValid)
            {
                return result;
            }
            var path = _paths.SchedulePath;
            // The backup is the schedule that was on air, not whatever the file held: the file may be one that
            // was refused (truncated, invalid) while the last good schedule stayed in force.
            if (LoadedAt is not null)
            {
                File.Move(WriteTemp(path, Current.Json), path + ".bak", overwrite: true);
            }
            File.Move(WriteTemp(path, json), path, overwrite: true); // rename(2): a reader sees the old file or the new one, never half
            _seen = Stamp(path);
            Apply(result.Schedule!, "host API");
            return result;
        }
    }

    /// <summary>Writes <paramref name="json"/> to a new file beside <paramref name="path"/>, flushed to disk, for a rename into place.</summary>
    private static string WriteTemp(string path, string json)
    {
        var temp = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        using var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.WriteThrough);
        stream.Write(Encoding.UTF8.GetBytes(json));
        stream.Flush(flushToDisk: true);
        return temp;
    }

    /// <summary>
    /// The timer's look at the file: whatever goes wrong is logged and the next look happens as usual, so a file
    /// that trips a bug never takes the station down (failure is local); the schedule in force stays.
    /// </summary>
    private void PollSurviving()
    {
        try
        {
            Poll();
        }
        catch (Exception ex)
        {
            Log.CheckFailed(_logger, _paths.SchedulePath, ex);
        }
    }

    /// <summary>Reads schedule.json if it changed since the last look.</summary>
    internal void Poll(bool force = false)
    {
        lock (_gate)
        {
            var path = _paths.SchedulePath;
            var stamp = Stamp(path);
            if (stamp == _seen && !force)
            {
                return;
            }
            _seen = stamp;
            if (stamp.Length < 0)
            {
                Log.Missing(_logger, path);
                return;
            }
            string json;
            try
            {
                if (stamp.Length > MaxBytes)
                {
                    throw new IOException($"the file is larger than {MaxBytes} bytes");
                }
                json = File.ReadAllText(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Refused(path, [new ScheduleIssue("", null, null, ex.Message)]);
                return;
            }
            var result = Validate(json);
            foreach (var warning in result.Warnings)
            {
                Log.Warning(_logger, path, warning.ToString());
            }
            if (result.IsValid)
            {
                Apply(result.Schedule!, path);
            }
            else
            {
                Refused(path, result.Errors);
            }
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        PollSurviving();
        _timer = _time.CreateTimer(static s => ((ScheduleStore)s!).PollSurviving(), this, s_pollInterval, s_pollInterval);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        return Task.CompletedTask;
    }

    public void Dispose() => _timer?.Dispose();

    private void Apply(Schedule schedule, string source)
    {
        _current = schedule;
        LoadedAt = _time.GetUtcNow();
        LastError = null;
        Reloads++;
        Log.Applied(_logger, source, schedule.Shows.Length, schedule.Zone.Id, schedule.Hash[..12]);
        Changed?.Invoke(schedule);
    }

    private void Refused(string source, IReadOnlyList<ScheduleIssue> errors)
    {
        Errors++;
        LastError = string.Join("; ", errors.Select(e => e.ToString()));
        foreach (var error in errors)
        {
            Log.Invalid(_logger, source, error.Line ?? 0, error.Column ?? 0, error.Path, error.Message);
        }
        Log.KeptPrevious(_logger, source, _current.Hash[..12]);
    }

    /// <summary>Until a schedule loads: the whole library in the server's zone, so the station is on air regardless.</summary>
    private Schedule Fallback() =>
        new(TimeZoneInfo.Utc, "Automation", new Playlist([_paths.MediaPath], PlaylistOrder.Sequential, [], 0), [], "{}", "fallback-none");

    private static (DateTime Modified, long Length) Stamp(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? (info.LastWriteTimeUtc, info.Length) : (DateTime.MinValue, -1);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Schedule from {Source} in force: {Shows} shows, zone {Zone}, hash {Hash}.", EventName = "ScheduleApplied")]
        public static partial void Applied(ILogger logger, string source, int shows, string zone, string hash);

        [LoggerMessage(2, LogLevel.Error, "Schedule {Source} rejected: line {Line}, column {Column}, {Path}: {Reason}", EventName = "ScheduleInvalid")]
        public static partial void Invalid(ILogger logger, string source, int line, int column, string path, string reason);

        [LoggerMessage(3, LogLevel.Warning, "Schedule {Source} not applied; the schedule with hash {Hash} stays on air.", EventName = "ScheduleKept")]
        public static partial void KeptPrevious(ILogger logger, string source, string hash);

        [LoggerMessage(4, LogLevel.Warning, "Schedule file {Path} is missing; the schedule in force stays.", EventName = "ScheduleMissing")]
        public static partial void Missing(ILogger logger, string path);

        [LoggerMessage(6, LogLevel.Error, "Reading schedule {Path} failed; the schedule in force stays, the file is read again at its next change.", EventName = "ScheduleCheckFailed")]
        public static partial void CheckFailed(ILogger logger, string path, Exception exception);

        [LoggerMessage(5, LogLevel.Warning, "Schedule {Source}: {Warning}", EventName = "ScheduleWarning")]
        public static partial void Warning(ILogger logger, string source, string warning);
    }
}
