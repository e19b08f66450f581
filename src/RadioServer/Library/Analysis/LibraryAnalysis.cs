using System.Collections.Immutable;
using Microsoft.Extensions.Options;
using RadioServer.Audio;
using RadioServer.Interop;
using RadioServer.Station;

namespace RadioServer.Library.Analysis;

/// <summary>
/// The library's loudness analysis and what the air chain reads of it (<see cref="ITrackSounds"/>). At start and
/// after every library scan one dedicated thread, at the lowest priority (nice 19, so it yields to the air chain, and
/// one thread: at most one core), compares the library with the cache (<see cref="TrackSoundCache"/>: path, size,
/// modification time, analyser version) and analyses what it lacks, one file at a time; each result is written to the
/// cache and is in <see cref="Find"/>'s snapshot at once. A track waiting for its analysis is found by its ReplayGain
/// tags, if it has any. A file that cannot be analysed is reported once and not tried again until it changes; it
/// plays at unity gain. <c>Radio:Sound:Analysis=false</c> analyses nothing (cached results and tags are still used).
/// </summary>
internal sealed partial class LibraryAnalysis : ITrackSounds, IHostedService, IDisposable
{
    /// <summary>A progress line at most this often while analysing (and every <see cref="ProgressEveryFiles"/> files).</summary>
    private static readonly TimeSpan s_progressInterval = TimeSpan.FromSeconds(10);

    private const int ProgressEveryFiles = 100;

    private readonly MediaLibrary _library;
    private readonly TrackSoundCache _cache;
    private readonly bool _enabled;
    private readonly TimeProvider _time;
    private readonly ILogger<LibraryAnalysis> _logger;
    private readonly AutoResetEvent _signal = new(false);
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _gate = new(); // _wakePending, _busy, _idle
    private Thread? _thread;
    private bool _wakePending;
    private bool _busy;
    private TaskCompletionSource? _idle;
    private ImmutableDictionary<string, TrackSound> _sounds = ImmutableDictionary.Create<string, TrackSound>(StringComparer.Ordinal);
    private AnalysisStatus _status;

    // The analysis thread's alone.
    private readonly Dictionary<string, (FileStamp Stamp, TrackSound? Sound)> _tags = new(StringComparer.Ordinal);
    private Dictionary<string, CachedAnalysis>? _rows;
    private bool _cacheFailing;
    private int _disposed;

    public LibraryAnalysis(MediaLibrary library, StationPaths paths, IOptions<SoundOptions> options, TimeProvider time, ILogger<LibraryAnalysis> logger)
    {
        _library = library;
        _cache = new TrackSoundCache(paths.DatabasePath);
        _enabled = options.Value.Analysis;
        _time = time;
        _logger = logger;
        _status = new AnalysisStatus(_enabled, false, 0, 0, 0, 0);
    }

    /// <summary>Raised on the analysis thread after each file is analysed (or failed), with its path.</summary>
    public event Action<string>? Analysed;

    public TrackSound? Find(TrackInfo track) => Volatile.Read(ref _sounds).TryGetValue(track.Path, out var sound) ? sound : null;

    /// <summary>How far the analysis is, for the status and the metrics.</summary>
    public AnalysisStatus Status() => Volatile.Read(ref _status);

    /// <summary>Completes once no pass runs or is due (at once when idle): for tests and tools, instead of waiting blind.</summary>
    public Task WhenIdleAsync()
    {
        lock (_gate)
        {
            if ((!_busy && !_wakePending) || _exited.Task.IsCompleted)
            {
                return Task.CompletedTask;
            }
            return (_idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _library.Scanned += Wake;
        // Thread.Priority alone does nothing on Linux; the thread lowers its own nice value as it starts (Run).
        _thread = new Thread(Run) { IsBackground = true, Name = "Library analysis", Priority = ThreadPriority.Lowest };
        Wake();
        _thread.Start();
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _library.Scanned -= Wake;
        await _stopping.CancelAsync();
        if (_thread is null)
        {
            return;
        }
        try
        {
            // A file's analysis sees the cancellation within one 100 ms block.
            await _exited.Task.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The host's stop timeout ran out first: the thread is a background thread and ends with the process.
        }
    }

    /// <summary>Idempotent: the container disposes this once for each registration that hands it out (itself, ITrackSounds, the hosted service).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _stopping.Cancel();
        // A thread still running (a stop that timed out) keeps its handles; they go with the process.
        if (_thread is null || _exited.Task.IsCompleted)
        {
            _signal.Dispose();
            _stopping.Dispose();
        }
    }

    /// <summary>Asks for a pass: the library was scanned (or the service started).</summary>
    private void Wake()
    {
        lock (_gate)
        {
            _wakePending = true;
        }
        _signal.Set();
    }

    private void Run()
    {
        if (!Libc.SetThreadNice(19))
        {
            Log.PriorityNotLowered(_logger);
        }
        var token = _stopping.Token;
        try
        {
            while (WaitHandle.WaitAny([_signal, token.WaitHandle]) == 0 && !token.IsCancellationRequested)
            {
                lock (_gate)
                {
                    _wakePending = false;
                    _busy = true;
                }
                try
                {
                    Pass(token);
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception ex)
                {
                    // A bug or a failing disk must not end the thread: the next scan (a minute) tries again.
                    Log.PassFailed(_logger, ex);
                }
                finally
                {
                    SetIdleUnlessWoken();
                }
            }
        }
        finally
        {
            Volatile.Write(ref _status, Volatile.Read(ref _status) with { Running = false });
            lock (_gate)
            {
                _busy = false;
                _idle?.TrySetResult();
                _idle = null;
            }
            _exited.TrySetResult();
        }
    }

    private void SetIdleUnlessWoken()
    {
        lock (_gate)
        {
            _busy = false;
            if (!_wakePending)
            {
                _idle?.TrySetResult();
                _idle = null;
            }
        }
    }

    /// <summary>One comparison of the library with the cache, then the analysis of what is missing (while enabled).</summary>
    private void Pass(CancellationToken cancellationToken)
    {
        var tracks = _library.Tracks;
        _rows ??= LoadRows();
        var sounds = ImmutableDictionary.CreateBuilder<string, TrackSound>(StringComparer.Ordinal);
        var pending = new List<FileStamp>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int analysed = 0, failed = 0;
        foreach (var track in tracks)
        {
            if (!seen.Add(track.Path) || FileStamp.Of(track.Path) is not { } stamp)
            {
                continue; // gone since the scan: the next scan drops it
            }
            if (_rows.TryGetValue(stamp.Path, out var row) && row.IsCurrentFor(stamp))
            {
                if (row.Sound is { } sound)
                {
                    sounds[stamp.Path] = sound;
                    analysed++;
                }
                else
                {
                    failed++;
                }
                continue;
            }
            pending.Add(stamp);
            if (Tags(stamp) is { } tagged)
            {
                sounds[stamp.Path] = tagged;
            }
        }
        foreach (var gone in _tags.Keys.Where(path => !seen.Contains(path)).ToList())
        {
            _tags.Remove(gone);
        }
        Volatile.Write(ref _sounds, sounds.ToImmutable());
        var total = analysed + failed + pending.Count;
        var running = _enabled && pending.Count > 0;
        Volatile.Write(ref _status, new AnalysisStatus(_enabled, running, total, analysed, failed, pending.Count));
        if (!running)
        {
            return;
        }

        Log.Started(_logger, pending.Count, total);
        var started = _time.GetTimestamp();
        var lastLine = started;
        var audio = TimeSpan.Zero;
        int done = 0, newlyAnalysed = 0, newlyFailed = 0;
        foreach (var stamp in pending)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (LibraryChanged(tracks))
            {
                Log.Restarted(_logger, done, pending.Count);
                Wake(); // the rest is compared again with the new list, at once
                return;
            }
            var entry = AnalyseOne(stamp, ref audio, cancellationToken);
            _rows[stamp.Path] = entry;
            Save(entry);
            done++;
            if (entry.Sound is { } sound)
            {
                Volatile.Write(ref _sounds, Volatile.Read(ref _sounds).SetItem(stamp.Path, sound));
                analysed++;
                newlyAnalysed++;
            }
            else
            {
                // No tag gain either: a file that cannot be decoded plays (if it plays at all) at unity.
                Volatile.Write(ref _sounds, Volatile.Read(ref _sounds).Remove(stamp.Path));
                failed++;
                newlyFailed++;
            }
            Volatile.Write(ref _status, new AnalysisStatus(_enabled, done < pending.Count, total, analysed, failed, pending.Count - done));
            Analysed?.Invoke(stamp.Path);
            if (done < pending.Count && (done % ProgressEveryFiles == 0 || _time.GetElapsedTime(lastLine) >= s_progressInterval))
            {
                lastLine = _time.GetTimestamp();
                Log.Progress(_logger, done, pending.Count, analysed, total);
            }
        }
        var elapsed = _time.GetElapsedTime(started);
        Volatile.Write(ref _status, Volatile.Read(ref _status) with { Running = false });
        Log.Done(_logger, newlyAnalysed, newlyFailed, Math.Round(elapsed.TotalSeconds, 1),
            elapsed > TimeSpan.Zero ? Math.Round(audio / elapsed, 1) : 0, analysed, total);
    }

    /// <summary>Whether the library's track list is another than the one this pass compared (files came or went, tags changed).</summary>
    private bool LibraryChanged(ImmutableArray<TrackInfo> compared)
    {
        var now = _library.Tracks;
        return now != compared && !now.AsSpan().SequenceEqual(compared.AsSpan());
    }

    private CachedAnalysis AnalyseOne(FileStamp stamp, ref TimeSpan audio, CancellationToken cancellationToken)
    {
        try
        {
            var sound = LoudnessAnalyser.Analyse(stamp.Path, out var duration, cancellationToken);
            audio += duration;
            return new CachedAnalysis(stamp, LoudnessAnalyser.Version, sound, null);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            // Decoders fail in many ways on a damaged file (InvalidData, Format, IndexOutOfRange, EndOfStream, ...):
            // whatever it was, it is this file's failure, reported once and kept until the file changes.
            Log.TrackFailed(_logger, stamp.Path, ex.GetType().Name, ex.Message);
            return new CachedAnalysis(stamp, LoudnessAnalyser.Version, null, $"{ex.GetType().Name}: {ex.Message}");
        }
    }

    /// <summary>The tag gain of a file waiting for its analysis, read once per version of the file.</summary>
    private TrackSound? Tags(FileStamp stamp)
    {
        if (_tags.TryGetValue(stamp.Path, out var known) && known.Stamp == stamp)
        {
            return known.Sound;
        }
        TrackSound? sound = null;
        try
        {
            sound = ReplayGainTags.Read(stamp.Path);
        }
        catch (Exception ex)
        {
            // The library's scan already warned of this file's unreadable tags; it just has no tag gain.
            Log.TagsUnreadable(_logger, stamp.Path, ex.Message);
        }
        _tags[stamp.Path] = (stamp, sound);
        return sound;
    }

    private Dictionary<string, CachedAnalysis> LoadRows()
    {
        try
        {
            var rows = _cache.Load();
            Log.CacheLoaded(_logger, rows.Count, _cache.DatabasePath);
            return rows;
        }
        catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            _cacheFailing = true;
            Log.CacheUnavailable(_logger, _cache.DatabasePath, ex.Message);
            return new Dictionary<string, CachedAnalysis>(StringComparer.Ordinal);
        }
    }

    private void Save(CachedAnalysis entry)
    {
        try
        {
            _cache.Save(entry, _time.GetUtcNow());
            if (_cacheFailing)
            {
                _cacheFailing = false;
                Log.CacheWritable(_logger, _cache.DatabasePath);
            }
        }
        catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            if (!_cacheFailing)
            {
                _cacheFailing = true;
                Log.CacheUnavailable(_logger, _cache.DatabasePath, ex.Message);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Loudness analysis: analysing {Count:N0} tracks ({Total:N0} in the library).", EventName = "AnalysisStarted")]
        public static partial void Started(ILogger logger, int count, int total);

        [LoggerMessage(2, LogLevel.Information, "Loudness analysis: {Done:N0} of {Count:N0} done; {Analysed:N0} of {Total:N0} tracks analysed.", EventName = "AnalysisProgress")]
        public static partial void Progress(ILogger logger, int done, int count, int analysed, int total);

        [LoggerMessage(3, LogLevel.Information, "Loudness analysis: done, {New:N0} analysed and {Failed} failed in {Seconds} s ({Speed}x real time); {Analysed:N0} of {Total:N0} tracks analysed.", EventName = "AnalysisDone")]
        public static partial void Done(ILogger logger, int @new, int failed, double seconds, double speed, int analysed, int total);

        [LoggerMessage(4, LogLevel.Warning, "Loudness analysis: {File} cannot be analysed ({Kind}: {Reason}); it plays at unity gain, and is not tried again until it changes.", EventName = "TrackAnalysisFailed")]
        public static partial void TrackFailed(ILogger logger, string file, string kind, string reason);

        [LoggerMessage(5, LogLevel.Warning, "Loudness analysis: the cache in {Path} cannot be used ({Reason}); results are kept in memory only.", EventName = "AnalysisCacheUnavailable")]
        public static partial void CacheUnavailable(ILogger logger, string path, string reason);

        [LoggerMessage(6, LogLevel.Information, "Loudness analysis: the cache in {Path} is written again.", EventName = "AnalysisCacheWritable")]
        public static partial void CacheWritable(ILogger logger, string path);

        [LoggerMessage(7, LogLevel.Error, "Loudness analysis: a pass failed; the next library scan tries again.", EventName = "AnalysisPassFailed")]
        public static partial void PassFailed(ILogger logger, Exception exception);

        [LoggerMessage(8, LogLevel.Debug, "Loudness analysis: {Count:N0} cached analyses read from {Path}.", EventName = "AnalysisCacheLoaded")]
        public static partial void CacheLoaded(ILogger logger, int count, string path);

        [LoggerMessage(9, LogLevel.Debug, "Loudness analysis: no ReplayGain tags read from {File}: {Reason}", EventName = "AnalysisTagsUnreadable")]
        public static partial void TagsUnreadable(ILogger logger, string file, string reason);

        [LoggerMessage(10, LogLevel.Information, "Loudness analysis: the library changed after {Done:N0} of {Count:N0}; comparing again.", EventName = "AnalysisRestarted")]
        public static partial void Restarted(ILogger logger, int done, int count);

        [LoggerMessage(11, LogLevel.Debug, "Loudness analysis: the thread's priority could not be lowered (not Linux?); it runs at the default.", EventName = "AnalysisPriorityNotLowered")]
        public static partial void PriorityNotLowered(ILogger logger);
    }
}
