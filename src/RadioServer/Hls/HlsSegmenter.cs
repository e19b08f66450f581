using System.Globalization;
using Microsoft.Extensions.Options;
using RadioServer.Audio;
using RadioServer.Station;
using RadioServer.Streaming;

namespace RadioServer.Hls;

/// <summary>
/// One more reader of the <see cref="BroadcastBuffer"/> (Streaming/README.md): it follows the live edge on a task
/// of its own and cuts the same encoded frames every listener gets into HLS segments, whole frames each, at known
/// stream positions. Nothing is encoded twice. A segment is the ID3 tag (timestamp, stream position, title) and
/// <see cref="HlsOptions.FramesPerSegment"/> frames; each new one replaces the whole <see cref="Window"/>, which
/// requests read without a lock. It keeps the playlist's segments and, RFC 8216 §6.2.2, those that left it for
/// another playlist's length plus one segment.
/// </summary>
internal sealed partial class HlsSegmenter : BackgroundService
{
    private readonly BroadcastBuffer _buffer;
    private readonly HlsOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<HlsSegmenter> _logger;
    private readonly double _bytesPerFrame;
    private readonly double _bytesPerSecond;
    private readonly int _retain;
    private readonly List<HlsSegment> _segments = [];
    private readonly byte[] _pending;
    private volatile HlsWindow _window = HlsWindow.Empty;
    private long _cursor = -1;
    private long _segmentsMade;
    private long _resyncs;
    private long _discontinuitySequence;

    // The segment being cut (only the segmenter's task touches these).
    private int _pendingBytes;
    private int _pendingFrames;
    private long _pendingPosition = -1;
    private long _pendingStartSample;
    private int _pendingLimit;  // frames this segment holds: to the next boundary of the stream's segment grid
    private DateTimeOffset _pendingDate;
    private long? _pendingTitlePosition;
    private string? _title;
    private TrackMark? _lastMark;
    private long _nextSequence;
    private long _expectedPosition = -1; // where the next frame continues the stream without a gap
    private long _nextSample;
    private bool _discontinuity; // the segment being cut does not continue the previous one
    private bool _gap;           // the stream broke since the last frame (a resync, a chunk that was not frames)
    private (DateTimeOffset Date, long Sample)? _clockAnchor;

    public HlsSegmenter(BroadcastBuffer buffer, IOptions<HlsOptions> options, IOptions<RadioOptions> radio, TimeProvider time, ILogger<HlsSegmenter> logger)
    {
        _buffer = buffer;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _bytesPerSecond = radio.Value.BitrateKbps * 1000.0 / 8;
        _bytesPerFrame = radio.Value.BitrateKbps * 1000.0 / 8 * StationFormat.FrameSamples / StationFormat.SampleRate;
        _retain = (2 * _options.WindowSegments) + 1;
        // Room for a segment of the largest Layer III frames: 320 kbps at 32 kHz with padding is 1,441 bytes.
        _pending = new byte[(_options.FramesPerSegment + 1) * 1441];
        _cursor = buffer.Head;
        // Unique to this run, so a CDN never serves a segment of an earlier run under the same name after a restart.
        Run = time.GetUtcNow().ToUnixTimeMilliseconds().ToString("x", CultureInfo.InvariantCulture);
    }

    /// <summary>This run's token in every segment name.</summary>
    public string Run { get; }

    /// <summary>The segments served now and the playlist.</summary>
    public HlsWindow Window => _window;

    /// <summary>The next chunk the segmenter reads (tests wait for it to reach the buffer's head).</summary>
    public long Cursor => Interlocked.Read(ref _cursor);

    public long SegmentsMade => Interlocked.Read(ref _segmentsMade);

    /// <summary>Times it fell out of the ring and started again at the live edge.</summary>
    public long Resyncs => Interlocked.Read(ref _resyncs);

    public string NameOf(long sequence) => $"seg-{Run}-{sequence.ToString(CultureInfo.InvariantCulture)}.mp3";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            return;
        }
        // The cursor was set when the segmenter was made, with the other hosted services and before the air chain
        // published anything: taking the head again here would lose the chunks published while the host started them.
        Log.Started(_logger, _options.FramesPerSegment, _options.SegmentDuration, _options.WindowSegments);
        while (!stoppingToken.IsCancellationRequested)
        {
            await _buffer.WaitForAsync(_cursor).WaitAsync(stoppingToken).ConfigureAwait(false);
            if (_buffer.IsCompleted && _cursor >= _buffer.Head)
            {
                return;
            }
            try
            {
                Pump();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // HLS is one reader among many: a fault here must not stop the host (and the air) with it. Said loudly,
                // then cut again from the live edge; the next segment says discontinuity.
                Interlocked.Increment(ref _resyncs);
                Log.Failed(_logger, ex);
                Interlocked.Exchange(ref _cursor, _buffer.Head);
                _pendingBytes = 0;
                _pendingFrames = 0;
                _pendingPosition = -1;
                _gap = true;
            }
        }
    }

    /// <summary>Reads every chunk published so far.</summary>
    internal void Pump()
    {
        while (true)
        {
            switch (_buffer.TryRead(_cursor, out var chunk))
            {
                case ChunkRead.Ok:
                    Append(chunk!);
                    Interlocked.Increment(ref _cursor);
                    break;
                case ChunkRead.Evicted:
                    // Only a segmenter starved for the whole ring (seconds) gets here: start again at the live edge.
                    Interlocked.Increment(ref _resyncs);
                    Log.Resync(_logger, _cursor, _buffer.Head);
                    Interlocked.Exchange(ref _cursor, _buffer.Head);
                    _pendingBytes = 0;
                    _pendingFrames = 0;
                    _pendingPosition = -1;
                    _gap = true;
                    break;
                default:
                    return;
            }
        }
    }

    private void Append(AudioChunk chunk)
    {
        var data = chunk.Data;
        var now = _time.GetUtcNow();
        // A new mark: its title starts in the frame holding its position (a chunk's first, from the air chain);
        // one that started before this chunk (the segmenter's first read) holds from here on, with no position.
        var markAt = -1L;
        if (!ReferenceEquals(chunk.Track, _lastMark))
        {
            _lastMark = chunk.Track;
            if (chunk.Track.Position >= chunk.Position && chunk.Track.Position < chunk.EndPosition)
            {
                markAt = chunk.Track.Position;
            }
            else
            {
                _title = chunk.Track.StreamTitle;
            }
        }
        var offset = 0;
        while (offset < data.Length)
        {
            if (!Mp3FrameHeader.TryParse(data.AsSpan(offset), out var header) || offset + header.FrameLength > data.Length)
            {
                // Chunks hold whole frames (Mp3FrameAssembler); anything else is a broken feed: skip the rest, mark the gap.
                Log.NotAFrame(_logger, chunk.Position + offset);
                _gap = true;
                _expectedPosition = -1;
                return;
            }
            var position = chunk.Position + offset;
            if (_pendingFrames > 0 && position != _expectedPosition)
            {
                // A gap inside a segment cannot be told to a player: close what we have; the next one is a discontinuity.
                Close();
            }
            var carriesMark = markAt >= position && markAt < position + header.FrameLength;
            if (carriesMark)
            {
                _title = chunk.Track.StreamTitle;
            }
            if (_pendingFrames == 0)
            {
                // The frame's instant: the live edge is "now" (within a chunk), and the stream runs at its bitrate
                // in real time, so the frame went on air its distance from the edge ago, however late it is read.
                var date = now - TimeSpan.FromSeconds((_buffer.EndPosition - position) / _bytesPerSecond);
                Begin(position, date);
            }
            if (carriesMark)
            {
                _pendingTitlePosition = markAt;
            }
            data.AsSpan(offset, header.FrameLength).CopyTo(_pending.AsSpan(_pendingBytes));
            _pendingBytes += header.FrameLength;
            _pendingFrames++;
            offset += header.FrameLength;
            _nextSample += header.SamplesPerFrame;
            _expectedPosition = position + header.FrameLength;
            if (_pendingFrames >= _pendingLimit)
            {
                Close();
            }
        }
    }

    private void Begin(long position, DateTimeOffset observed)
    {
        _discontinuity = _gap || (_expectedPosition >= 0 && position != _expectedPosition);
        _gap = false;
        if (position != _expectedPosition)
        {
            // Start (or after a gap): place the segment on the stream's sample clock from its byte position (CBR).
            _nextSample = (long)Math.Round(position / _bytesPerFrame) * StationFormat.FrameSamples;
        }
        _pendingPosition = position;
        _pendingStartSample = _nextSample;
        // Segments end on the stream's grid, every FramesPerSegment frames from its first: whichever position a reader
        // starts at (an edge joins mid-stream; this node after a gap), it cuts the same segments from the same positions
        // as every other node, the first one only running to the next boundary.
        _pendingLimit = _options.FramesPerSegment - (int)(_nextSample / StationFormat.FrameSamples % _options.FramesPerSegment);
        _pendingTitlePosition = null;
        // Program date time: counted in samples from an anchor, so consecutive segments' dates differ by exactly their
        // durations; re-anchored when the station's clock and the samples part by more than half a second (a stall).
        if (_clockAnchor is { } anchor)
        {
            var counted = anchor.Date + TimeSpan.FromSeconds((_nextSample - anchor.Sample) / (double)StationFormat.SampleRate);
            _pendingDate = Math.Abs((counted - observed).TotalSeconds) <= 0.5 ? counted : observed;
        }
        else
        {
            _pendingDate = observed;
        }
        _clockAnchor = (_pendingDate, _nextSample);
    }

    private void Close()
    {
        if (_pendingFrames == 0)
        {
            return;
        }
        var samples = _nextSample - _pendingStartSample;
        var pts = (long)Math.Round(_pendingStartSample * 90_000.0 / StationFormat.SampleRate);
        var tag = Id3Tag.Build(pts, _pendingPosition, _title, _pendingTitlePosition);
        var bytes = new byte[tag.Length + _pendingBytes];
        tag.CopyTo(bytes, 0);
        _pending.AsSpan(0, _pendingBytes).CopyTo(bytes.AsSpan(tag.Length));
        var sequence = _nextSequence++;
        var segment = new HlsSegment(sequence, NameOf(sequence), _pendingPosition, _pendingPosition + _pendingBytes, _pendingStartSample, _pendingFrames,
            samples / (double)StationFormat.SampleRate, _pendingDate, _title ?? "", _pendingTitlePosition, _discontinuity, bytes);
        _discontinuity = false;
        _pendingBytes = 0;
        _pendingFrames = 0;
        _pendingPosition = -1;

        _segments.Add(segment);
        while (_segments.Count > _retain)
        {
            _segments.RemoveAt(0);
        }
        var start = Math.Max(0, _segments.Count - _options.WindowSegments);
        if (start > 0 && _segments[start - 1].Discontinuity)
        {
            _discontinuitySequence++; // a segment with EXT-X-DISCONTINUITY just left the playlist
        }
        var playlist = _segments.GetRange(start, _segments.Count - start);
        _window = new HlsWindow([.. _segments], start, HlsPlaylist.Render(playlist, _options.TargetDuration, _discontinuitySequence));
        Interlocked.Increment(ref _segmentsMade);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "HLS: {Frames}-frame segments ({Seconds:0.###} s), {Window} in the playlist.", EventName = "HlsStarted")]
        public static partial void Started(ILogger logger, int frames, double seconds, int window);

        [LoggerMessage(2, LogLevel.Warning, "HLS segmenter fell out of the broadcast buffer at chunk {Cursor} (head {Head}); starting again at the live edge.", EventName = "HlsResync")]
        public static partial void Resync(ILogger logger, long cursor, long head);

        [LoggerMessage(3, LogLevel.Error, "HLS segmenter found no MP3 frame at stream position {Position}; the rest of the chunk is skipped.", EventName = "HlsNotAFrame")]
        public static partial void NotAFrame(ILogger logger, long position);

        [LoggerMessage(4, LogLevel.Error, "HLS segmenter failed; it starts again at the live edge.", EventName = "HlsFailed")]
        public static partial void Failed(ILogger logger, Exception exception);
    }
}
