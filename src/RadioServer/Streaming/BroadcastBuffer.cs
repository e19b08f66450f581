using System.Numerics;
using Microsoft.Extensions.Options;
using RadioServer.Audio;
using RadioServer.Station;

namespace RadioServer.Streaming;

/// <summary>
/// The one shared store of encoded audio: a ring of immutable <see cref="AudioChunk"/>s appended by the
/// air chain (a single writer) and read by every listener through its own cursor (a chunk sequence
/// number). The writer never waits for a reader; a reader that falls out of the ring has lost its place.
/// Readers wait on one shared completion per published chunk, so a publish costs the same for one
/// listener as for twenty thousand and allocates nothing per listener.
/// </summary>
internal sealed class BroadcastBuffer
{
    private readonly AudioChunk?[] _ring;
    private readonly long _mask;
    private long _head;          // sequence of the next chunk to publish
    private long _endPosition;   // stream byte offset after the newest chunk
    private TaskCompletionSource _published = NewSignal();
    private volatile bool _completed;
    private volatile TrackMark? _currentTrack;

    public BroadcastBuffer(IOptions<RadioOptions> options)
    {
        var o = options.Value;
        // The ring must keep at least queue limit + burst of audio. Size it for the smallest chunk the
        // chain makes (one air-chain block at this bitrate), with room to spare.
        var bytesPerBlock = o.BitrateKbps * 1000L / 8 * AirChain.BlockSamples / StationFormat.SampleRate;
        var needed = ((o.QueueLimitBytes + (long)o.BurstSizeBytes) / Math.Max(1, bytesPerBlock / 2)) + 64;
        var capacity = (long)BitOperations.RoundUpToPowerOf2((ulong)needed);
        _ring = new AudioChunk?[capacity];
        _mask = capacity - 1;
    }

    public int Capacity => _ring.Length;

    /// <summary>Sequence number the next published chunk will have; readers at this number wait.</summary>
    public long Head => Volatile.Read(ref _head);

    /// <summary>Bytes published since the station went on air: the live edge.</summary>
    public long EndPosition => Volatile.Read(ref _endPosition);

    public bool IsCompleted => _completed;

    /// <summary>The title on air at the live edge (null before the first chunk).</summary>
    public TrackMark? CurrentTrack => _currentTrack;

    /// <summary>Appends a chunk. Single writer: only the air chain calls this.</summary>
    public AudioChunk Publish(byte[] data, int frames, TrackMark track) => Publish(data, frames, track, _endPosition);

    /// <summary>
    /// Appends a chunk at <paramref name="position"/>, at or after the live edge: an edge's relay publishes the origin's
    /// chunks at the origin's positions, so its first chunk (and one after an outage) may jump forward. Readers only
    /// compare positions, so a jump is a gap nobody reads. Single writer.
    /// </summary>
    public AudioChunk Publish(byte[] data, int frames, TrackMark track, long position)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(position, _endPosition);
        var sequence = _head;
        var chunk = new AudioChunk(sequence, position, data, frames, track);
        _ring[sequence & _mask] = chunk;
        _currentTrack = track;
        Volatile.Write(ref _endPosition, position + data.Length);
        Volatile.Write(ref _head, sequence + 1);
        // Swap the signal after the head moved: a reader that saw the old head holds the old signal.
        Interlocked.Exchange(ref _published, NewSignal()).TrySetResult();
        return chunk;
    }

    /// <summary>Wakes every reader for good (station shutting down).</summary>
    public void Complete()
    {
        _completed = true;
        Volatile.Read(ref _published).TrySetResult();
    }

    /// <summary>Completes when chunk <paramref name="sequence"/> exists (or the buffer completes). No allocation.</summary>
    public Task WaitForAsync(long sequence)
    {
        var signal = Volatile.Read(ref _published).Task;
        return sequence < Head || _completed ? Task.CompletedTask : signal;
    }

    /// <summary>Reads chunk <paramref name="sequence"/>: Ok, NotYet (the reader is at the live edge) or Evicted (it fell out of the ring).</summary>
    public ChunkRead TryRead(long sequence, out AudioChunk? chunk)
    {
        chunk = null;
        var head = Head;
        if (sequence >= head)
        {
            return ChunkRead.NotYet;
        }
        if (sequence < head - _ring.Length)
        {
            return ChunkRead.Evicted;
        }
        var candidate = Volatile.Read(ref _ring[sequence & _mask]);
        if (candidate is null || candidate.Sequence != sequence)
        {
            return ChunkRead.Evicted; // overwritten between the head check and the read
        }
        chunk = candidate;
        return ChunkRead.Ok;
    }

    /// <summary>The stream position where chunk <paramref name="sequence"/> begins (the live edge for the next one to come); -1 if it left the ring.</summary>
    public long PositionOf(long sequence) =>
        TryRead(sequence, out var chunk) switch
        {
            ChunkRead.Ok => chunk!.Position,
            ChunkRead.NotYet when sequence == Head => EndPosition,
            _ => -1,
        };

    /// <summary>
    /// Where a new listener starts: the oldest chunk such that at least <paramref name="burstBytes"/> of
    /// already-encoded audio lie between it and the live edge (fewer when the station just started).
    /// Chunks start on frame boundaries, so so does the listener.
    /// </summary>
    public long BurstStart(int burstBytes)
    {
        var head = Head;
        var start = head;
        long bytes = 0;
        while (bytes < burstBytes && start > 0 && start > head - _ring.Length + 1)
        {
            var chunk = Volatile.Read(ref _ring[(start - 1) & _mask]);
            if (chunk is null || chunk.Sequence != start - 1)
            {
                break;
            }
            bytes += chunk.Data.Length;
            start--;
        }
        return start;
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
