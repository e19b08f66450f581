using System.Collections.Concurrent;
using System.Globalization;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using RadioServer.Audio;
using RadioServer.Station;

namespace RadioServer.Live.Recording;

/// <summary>
/// Records live slots to MP3 files (<see cref="RecordingFiles"/>). The air chain's thread only copies each frame into
/// one of a fixed set of buffers and queues it (no lock, no allocation once the buffers exist, no I/O); a writer task
/// of its own encodes with its own LAME encoder and writes the file. When the writer falls behind by more than the
/// buffers hold (<see cref="QueueSeconds"/>), frames are dropped and counted and operators are alarmed once a
/// recording. A disk that fails (full, read-only, a folder that cannot be made) or an encoder that does stops the
/// recording with an alarm, an error in the log and a metric; never the air.
/// </summary>
/// <remarks>
/// A file is <c>….mp3.part</c> while recorded and renamed to <c>….mp3</c> when it ends. Its ID3v2 tag is written first,
/// so a <c>.part</c> a crash leaves behind is tagged too, and ending needs no more room on the disk than a rename.
/// Begin for a slot whose <c>.part</c> exists (the server restarted mid-slot) appends to it, after cutting a frame the
/// crash may have left half written; for a slot whose <c>.mp3</c> exists (the slot ended and went live again), the
/// file goes back to <c>.part</c> and is appended to: one file a slot, whatever happened in it.
/// </remarks>
internal sealed partial class LiveRecorder : ILiveRecorder, IHostedService, IAsyncDisposable, IDisposable, IMetricSource
{
    /// <summary>How much audio may wait for the writer: more than a disk's usual stall (a journal commit, a busy array), ~1.4 MB of floats.</summary>
    public const double QueueSeconds = 4;

    public const string Comment = "Recorded live by RadioServer";

    private const int FrameFloats = StationFormat.FrameSamples * StationFormat.Channels;

    // ~4 s of 128 kbps between two writes to the disk.
    private const int BufferBytes = 64 * 1024;

    // Begin and End ride in the same queue as the frames, so a file gets exactly the frames written between them.
    // They come at a person's pace (a host connecting, a slot ending); this much room for them beside the frames
    // means one is refused only if thousands came while the writer was stuck.
    private const int ControlRoom = 1024;

    private readonly RecordingFiles _files;
    private readonly IMp3EncoderFactory _encoders;
    private readonly int _bitrateKbps;
    private readonly int _quality;
    private readonly ILogger<LiveRecorder> _logger;
    private readonly Channel<Command> _queue;
    private readonly ConcurrentQueue<float[]> _free = new();
    private readonly Lock _startGate = new();

    // The air chain's thread only.
    private RecordingSlot? _slot;
    private long _generation;
    private int _buffers;
    private long _slotDropped;

    // The writer's only.
    private OpenFile? _open;
    private bool _alarmRaised;

    private long _failedGeneration = -1;
    private long _bytes;
    private long _failures;
    private long _dropped;
    private volatile bool _recording;
    private volatile bool _stopped;
    private Task? _writer;

    public LiveRecorder(RecordingFiles files, IMp3EncoderFactory encoders, IOptions<LiveOptions> options, IOptions<RadioOptions> radio, ILogger<LiveRecorder> logger)
    {
        _files = files;
        _encoders = encoders;
        _bitrateKbps = options.Value.RecordingBitrate;
        _quality = radio.Value.EncoderQuality;
        _logger = logger;
        QueueFrames = (int)Math.Ceiling(QueueSeconds * StationFormat.SampleRate / StationFormat.FrameSamples);
        _queue = Channel.CreateBounded<Command>(new BoundedChannelOptions(QueueFrames + ControlRoom)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait, // never waited on: TryWrite only
        });
    }

    /// <summary>Raised when a recording fails or falls behind (true) and when that is over (false), with the operators' message. Handlers only enqueue: it may be raised on the air chain's thread.</summary>
    public event Action<bool, string>? HealthChanged;

    /// <summary>Whether recording is configured (<see cref="LiveOptions.RecordingsPath"/> not empty).</summary>
    public bool Enabled => _files.Root is not null;

    /// <summary>Frames that may wait for the writer.</summary>
    public int QueueFrames { get; }

    /// <summary>A file is open and being written.</summary>
    public bool Recording => _recording;

    public long BytesWritten => Interlocked.Read(ref _bytes);

    public long Failures => Interlocked.Read(ref _failures);

    public long DroppedFrames => Interlocked.Read(ref _dropped);

    public void Begin(RecordingSlot slot)
    {
        if (!Enabled || _stopped)
        {
            return;
        }
        if (_slot is { } current && SameSlot(current, slot) && Volatile.Read(ref _failedGeneration) != _generation)
        {
            return; // the host reconnected: the same file goes on
        }
        EnsureWriter();
        ReportDrops();
        _slot = slot;
        _generation++;
        _slotDropped = 0;
        if (!_queue.Writer.TryWrite(new Command(CommandKind.Begin, slot, _generation, null, 0)))
        {
            Refused(slot);
        }
    }

    public void Write(ReadOnlySpan<float> frame)
    {
        if (_slot is null || _stopped || Volatile.Read(ref _failedGeneration) == _generation)
        {
            return;
        }
        for (var at = 0; at < frame.Length; at += FrameFloats)
        {
            var piece = frame.Slice(at, Math.Min(FrameFloats, frame.Length - at));
            if (!_free.TryDequeue(out var buffer))
            {
                if (_buffers >= QueueFrames)
                {
                    Dropped();
                    continue;
                }
                _buffers++;
                buffer = new float[FrameFloats];
            }
            piece.CopyTo(buffer);
            if (!_queue.Writer.TryWrite(new Command(CommandKind.Frame, null, _generation, buffer, piece.Length)))
            {
                _free.Enqueue(buffer);
                Dropped();
            }
        }
    }

    public void End()
    {
        if (_slot is not { } slot)
        {
            return;
        }
        ReportDrops();
        _slot = null;
        if (!_queue.Writer.TryWrite(new Command(CommandKind.End, slot, _generation, null, 0)))
        {
            Refused(slot);
        }
    }

    /// <summary>Frames and commands waiting for the writer.</summary>
    internal int Queued => _queue.Reader.Count;

    /// <summary>Completes when the writer has handled (and handed to the OS) all that was queued before: a test's way to wait, never the air chain's.</summary>
    internal Task WrittenAsync()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        EnsureWriter();
        if (!_queue.Writer.TryWrite(new Command(CommandKind.Mark, null, 0, null, 0, done)))
        {
            done.TrySetResult(); // stopped: the writer has finished, or is finishing the last file
        }
        return done.Task;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Finishes the open file (what is queued is written first); waits for that as long as the host lets it.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        Task? writer;
        lock (_startGate)
        {
            _stopped = true;
            _queue.Writer.TryComplete();
            writer = _writer;
        }
        if (writer is not null)
        {
            await writer.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await StopAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            Log.StopTimedOut(_logger);
        }
    }

    /// <summary>Completes the queue; the writer still finishes the open file, but nothing waits for it.</summary>
    public void Dispose()
    {
        lock (_startGate)
        {
            _stopped = true;
            _queue.Writer.TryComplete();
        }
    }

    public void Describe(IMetricsBuilder metrics)
    {
        metrics.Gauge("radio_live_recording", "1 while a live slot is being recorded to a file.", () => _recording ? 1 : 0);
        metrics.Counter("radio_live_recording_bytes_total", "Bytes written to recordings.", () => BytesWritten);
        metrics.Counter("radio_live_recording_failures_total", "Recordings stopped by a failing disk or encoder.", () => Failures);
        metrics.Counter("radio_live_recording_dropped_frames_total", "Programme frames left out of recordings because the writer was behind.", () => DroppedFrames);
    }

    private static bool SameSlot(RecordingSlot a, RecordingSlot b) => a.SlotStartUtc == b.SlotStartUtc && string.Equals(a.ShowId, b.ShowId, StringComparison.Ordinal);

    private void EnsureWriter()
    {
        if (_writer is not null)
        {
            return;
        }
        lock (_startGate)
        {
            if (!_stopped)
            {
                _writer ??= Task.Run(RunAsync);
            }
        }
    }

    // The air chain's thread: counted always, alarmed once a recording.
    private void Dropped()
    {
        Interlocked.Increment(ref _dropped);
        if (_slotDropped++ == 0 && _slot is { } slot)
        {
            Log.FramesDropped(_logger, slot.ShowId, QueueSeconds);
            HealthChanged?.Invoke(true, FormattableString.Invariant($"Recording of {slot.ShowTitle} is falling behind: audio is left out of it (the disk is slower than {QueueSeconds:0} s of waiting). The air is not affected."));
        }
    }

    // The air chain's thread, when a recording with drops ends (or another begins): the alarm is over, with the count.
    private void ReportDrops()
    {
        if (_slotDropped > 0 && _slot is { } slot)
        {
            var seconds = _slotDropped * StationFormat.FrameSamples / (double)StationFormat.SampleRate;
            HealthChanged?.Invoke(false, FormattableString.Invariant($"Recording of {slot.ShowTitle} ended with {_slotDropped} frames ({seconds:0.0} s) left out."));
        }
    }

    private void Refused(RecordingSlot slot)
    {
        if (_stopped)
        {
            _slot = null;
            return;
        }
        // Thousands of Begin/End queued behind a stuck writer: this recording is given up rather than the air held.
        Volatile.Write(ref _failedGeneration, _generation);
        Interlocked.Increment(ref _failures);
        Log.QueueRefused(_logger, slot.ShowId);
        HealthChanged?.Invoke(true, $"Recording of {slot.ShowTitle} given up: its writer is stuck. The air is not affected; see the server log.");
    }

    private async Task RunAsync()
    {
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var command))
            {
                Handle(command);
            }
        }
        if (_open is { } open)
        {
            Finish(open, "the server is stopping");
        }
    }

    private void Handle(Command command)
    {
        switch (command.Kind)
        {
            case CommandKind.Frame:
                try
                {
                    if (_open is { } recording && recording.Generation == command.Generation)
                    {
                        Encode(recording, command.Frame.AsSpan(0, command.Length));
                    }
                }
                finally
                {
                    _free.Enqueue(command.Frame!);
                }
                break;
            case CommandKind.Begin:
                Open(command.Slot!, command.Generation);
                break;
            case CommandKind.End:
                if (_open is { } ending && ending.Generation == command.Generation)
                {
                    Finish(ending, "the live session is over");
                }
                break;
            case CommandKind.Mark:
                if (_open is { } flushing)
                {
                    try
                    {
                        flushing.Stream.Flush();
                    }
                    catch (Exception ex)
                    {
                        Abandon(flushing);
                        Failed(flushing.Slot, flushing.Generation, flushing.PartPath, ex);
                    }
                }
                command.Done!.TrySetResult();
                break;
        }
    }

    private void Open(RecordingSlot slot, long generation)
    {
        if (_open is { } current)
        {
            if (SameSlot(current.Slot, slot))
            {
                current.Generation = generation;
                return;
            }
            Finish(current, "another slot began");
        }
        string? part = null;
        IMp3Encoder? encoder = null;
        FileStream? stream = null;
        try
        {
            var folder = _files.ShowFolder(slot.ShowId);
            var final = Path.Combine(folder, RecordingFiles.FileName(slot.SlotStartStation));
            part = final + RecordingFiles.PartSuffix;
            encoder = _encoders.Create(_bitrateKbps, _quality);
            Directory.CreateDirectory(folder);
            long written;
            if (File.Exists(part))
            {
                stream = OpenToAppend(part, slot, out var cut, out written);
                Log.Resumed(_logger, slot.ShowId, Path.GetFileName(part), stream.Length, cut, "the .part a previous run left");
            }
            else if (File.Exists(final))
            {
                File.Move(final, part);
                stream = OpenToAppend(part, slot, out var cut, out written);
                Log.Resumed(_logger, slot.ShowId, Path.GetFileName(part), stream.Length, cut, "the slot's finished file");
            }
            else
            {
                stream = new FileStream(part, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete, BufferBytes);
                written = WriteTag(stream, slot);
                Log.Started(_logger, slot.ShowId, Path.GetFileName(final), _bitrateKbps);
            }
            Interlocked.Add(ref _bytes, written);
            _open = new OpenFile(slot, generation, part, final, stream, encoder, new byte[encoder.MaxOutputBytes(StationFormat.FrameSamples)]);
            _recording = true;
            if (_alarmRaised)
            {
                _alarmRaised = false;
                HealthChanged?.Invoke(false, $"Recording works again: {slot.ShowId}/{Path.GetFileName(final)}.");
            }
        }
        catch (Exception ex)
        {
            // Whatever stops a file from opening stops this recording, and only it: the writer goes on with the next.
            stream?.Dispose();
            encoder?.Dispose();
            Failed(slot, generation, part, ex);
        }
    }

    private static FileStream OpenToAppend(string part, RecordingSlot slot, out long cut, out long written)
    {
        var stream = new FileStream(part, FileMode.Open, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete, BufferBytes);
        try
        {
            cut = 0;
            written = 0;
            if (stream.Length == 0)
            {
                written = WriteTag(stream, slot); // the process died before its first write
            }
            else
            {
                cut = Mp3Layout.TrimToWholeFrames(stream);
            }
            stream.Seek(0, SeekOrigin.End);
            return stream;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private static long WriteTag(FileStream stream, RecordingSlot slot)
    {
        var tag = RecordingTag.Render(slot, Comment);
        stream.Write(tag);
        return tag.Length;
    }

    private void Encode(OpenFile open, ReadOnlySpan<float> frame)
    {
        try
        {
            var bytes = open.Encoder.Encode(frame, open.Output);
            open.Stream.Write(open.Output, 0, bytes);
            Interlocked.Add(ref _bytes, bytes);
        }
        catch (Exception ex)
        {
            Abandon(open);
            Failed(open.Slot, open.Generation, open.PartPath, ex);
        }
    }

    private void Finish(OpenFile open, string why)
    {
        _open = null;
        _recording = false;
        try
        {
            var bytes = open.Encoder.Flush(open.Output); // the frames LAME still holds
            open.Stream.Write(open.Output, 0, bytes);
            Interlocked.Add(ref _bytes, bytes);
            open.Stream.Flush(flushToDisk: true);
            Release(open);
            File.Move(open.PartPath, open.FinalPath);
        }
        catch (Exception ex)
        {
            Abandon(open);
            Failed(open.Slot, open.Generation, open.PartPath, ex);
            return;
        }
        var file = _files.Find(open.Slot.ShowId, Path.GetFileName(open.FinalPath));
        Log.Finished(_logger, open.Slot.ShowId, Path.GetFileName(open.FinalPath), file?.Bytes ?? 0, file?.DurationSeconds ?? 0, why);
    }

    /// <summary>After a failure: let go of the file and the encoder, and give the file its final name if the disk still allows (what was written is kept).</summary>
    private void Abandon(OpenFile open)
    {
        _open = null;
        _recording = false;
        Release(open);
        try
        {
            if (File.Exists(open.PartPath) && !File.Exists(open.FinalPath))
            {
                File.Move(open.PartPath, open.FinalPath);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.CleanupFailed(_logger, open.PartPath, ex);
        }
    }

    private void Release(OpenFile open)
    {
        if (open.Released)
        {
            return;
        }
        open.Released = true;
        open.Encoder.Dispose();
        try
        {
            open.Stream.Dispose(); // after a failure it may throw again: its buffer cannot be written either
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.CleanupFailed(_logger, open.PartPath, ex);
        }
    }

    private void Failed(RecordingSlot slot, long generation, string? path, Exception ex)
    {
        Volatile.Write(ref _failedGeneration, generation);
        Interlocked.Increment(ref _failures);
        var reason = Reason(ex);
        Log.Failed(_logger, slot.ShowId, path ?? slot.ShowId, reason, ex);
        _alarmRaised = true;
        // Operators' words only: the public status shows alarms, so no server path; the log has the exception.
        HealthChanged?.Invoke(true, $"Recording of {slot.ShowTitle} stopped: {reason}. The air is not affected; see the server log.");
    }

    private static string Reason(Exception ex) => ex switch
    {
        UnauthorizedAccessException => "the server may not write to the recordings folder",
        DirectoryNotFoundException => "the recordings folder is missing",
        // errno ENOSPC (28) and EDQUOT (122), which .NET keeps as the exception's HResult on Linux.
        IOException { HResult: 28 or 122 } => "the disk is full",
        IOException => FormattableString.Invariant($"the disk failed ({ex.GetType().Name}, error {ex.HResult})"),
        ArgumentException => "the show id cannot name a folder",
        _ => "the encoder failed",
    };

    private enum CommandKind
    {
        Begin,
        Frame,
        End,
        Mark,
    }

    private readonly record struct Command(CommandKind Kind, RecordingSlot? Slot, long Generation, float[]? Frame, int Length, TaskCompletionSource? Done = null);

    private sealed class OpenFile(RecordingSlot slot, long generation, string partPath, string finalPath, FileStream stream, IMp3Encoder encoder, byte[] output)
    {
        public RecordingSlot Slot { get; } = slot;

        public long Generation { get; set; } = generation;

        public string PartPath { get; } = partPath;

        public string FinalPath { get; } = finalPath;

        public FileStream Stream { get; } = stream;

        public IMp3Encoder Encoder { get; } = encoder;

        public byte[] Output { get; } = output;

        public bool Released { get; set; }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Recording {ShowId} to {File} at {Bitrate} kbps.", EventName = "RecordingStarted")]
        public static partial void Started(ILogger logger, string showId, string file, int bitrate);

        [LoggerMessage(2, LogLevel.Information, "Recording {ShowId}: appending to {File} ({Bytes} bytes, {Cut} bytes of a half-written frame cut), {What}.", EventName = "RecordingResumed")]
        public static partial void Resumed(ILogger logger, string showId, string file, long bytes, long cut, string what);

        [LoggerMessage(3, LogLevel.Information, "Recording {ShowId} finished: {File}, {Bytes} bytes, {Seconds:F1} s ({Why}).", EventName = "RecordingFinished")]
        public static partial void Finished(ILogger logger, string showId, string file, long bytes, double seconds, string why);

        [LoggerMessage(4, LogLevel.Error, "Recording {ShowId} stopped ({Path}): {Reason}. The air goes on.", EventName = "RecordingFailed")]
        public static partial void Failed(ILogger logger, string showId, string path, string reason, Exception exception);

        [LoggerMessage(5, LogLevel.Warning, "Recording {ShowId} is behind by more than {Seconds} s of audio: frames are dropped from it.", EventName = "RecordingFramesDropped")]
        public static partial void FramesDropped(ILogger logger, string showId, double seconds);

        [LoggerMessage(6, LogLevel.Warning, "Letting go of {Path} after a failure failed too.", EventName = "RecordingCleanupFailed")]
        public static partial void CleanupFailed(ILogger logger, string path, Exception exception);

        [LoggerMessage(7, LogLevel.Error, "Recording {ShowId} given up: the recorder's queue refused a Begin/End.", EventName = "RecordingQueueRefused")]
        public static partial void QueueRefused(ILogger logger, string showId);

        [LoggerMessage(8, LogLevel.Warning, "Stopping: the recording could not be finished in time; its file stays a .part.", EventName = "RecordingStopTimedOut")]
        public static partial void StopTimedOut(ILogger logger);
    }
}
