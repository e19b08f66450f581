using RadioServer.Audio;

namespace RadioServer.Live;

/// <summary>
/// The jitter buffer between a live source's reading task (one writer) and the air chain (one reader): decoded
/// station-format samples. The chain starts taking from it once <see cref="Target"/> is buffered, so a source's
/// network hiccups are bridged; after an underrun it waits for the target again, and the target grows by 100 ms (up
/// to 2 s): it grows only when the source's network is bad. Past <see cref="HighWater"/> the writer waits for room,
/// so a source sending faster than real time meets TCP back-pressure, never a growing buffer.
/// </summary>
internal sealed class LiveBuffer
{
    public static readonly TimeSpan InitialTarget = TimeSpan.FromMilliseconds(200);
    public static readonly TimeSpan MaxTarget = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan HighWater = TimeSpan.FromSeconds(3);

    private static readonly int s_highWater = Samples(HighWater);
    private readonly object _lock = new();
    private readonly float[] _ring = new float[Samples(HighWater + TimeSpan.FromSeconds(1))];
    private int _start;
    private int _count;
    private int _target = Samples(InitialTarget);
    private bool _flowing;
    private bool _complete;
    private TaskCompletionSource? _room;
    private long _underruns;

    /// <summary>Samples buffered now (interleaved stereo).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _count;
            }
        }
    }

    /// <summary>How much the chain waits for before it takes from the buffer.</summary>
    public TimeSpan Target
    {
        get
        {
            lock (_lock)
            {
                return TimeSpan.FromSeconds(_target / (double)(StationFormat.SampleRate * StationFormat.Channels));
            }
        }
    }

    /// <summary>Times the chain found the buffer empty while taking from it.</summary>
    public long Underruns => Interlocked.Read(ref _underruns);

    /// <summary>Whether the chain may take from it: flowing, or the target is buffered.</summary>
    public bool Ready
    {
        get
        {
            lock (_lock)
            {
                return _flowing || _count >= _target;
            }
        }
    }

    /// <summary>Adds samples; when the buffer is past its high water, the task completes only once there is room again.</summary>
    public Task WriteAsync(ReadOnlySpan<float> samples)
    {
        lock (_lock)
        {
            while (!samples.IsEmpty)
            {
                var free = _ring.Length - _count;
                if (free == 0)
                {
                    return Task.CompletedTask; // cannot happen while the writer respects the task; drop rather than overwrite
                }
                var end = (_start + _count) % _ring.Length;
                var take = Math.Min(Math.Min(samples.Length, free), _ring.Length - end);
                samples[..take].CopyTo(_ring.AsSpan(end));
                _count += take;
                samples = samples[take..];
            }
            if (_count < s_highWater)
            {
                return Task.CompletedTask;
            }
            _room ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _room.Task;
        }
    }

    /// <summary>Takes up to <paramref name="samples"/>' length once ready; 0 while filling up to the target.</summary>
    public int Read(Span<float> samples)
    {
        TaskCompletionSource? room = null;
        int read;
        lock (_lock)
        {
            if (!_flowing && _count < _target && !_complete)
            {
                return 0;
            }
            _flowing = true;
            read = Math.Min(samples.Length, _count);
            var first = Math.Min(read, _ring.Length - _start);
            _ring.AsSpan(_start, first).CopyTo(samples);
            _ring.AsSpan(0, read - first).CopyTo(samples[first..]);
            _start = (_start + read) % _ring.Length;
            _count -= read;
            if (read < samples.Length && !_complete)
            {
                // Ran dry: wait for the (larger) target before taking again.
                _flowing = false;
                _target = Math.Min(Samples(MaxTarget), _target + Samples(TimeSpan.FromMilliseconds(100)));
                Interlocked.Increment(ref _underruns);
            }
            if (_room is not null && _count < s_highWater)
            {
                room = _room;
                _room = null;
            }
        }
        room?.TrySetResult();
        return read;
    }

    /// <summary>Nothing more will be written (the source disconnected): what is left plays out, whatever the target.</summary>
    public void Complete()
    {
        lock (_lock)
        {
            _complete = true;
        }
    }

    /// <summary>Empties the buffer and lets a waiting writer go (a source ended or was replaced).</summary>
    public void Clear()
    {
        TaskCompletionSource? room;
        lock (_lock)
        {
            _start = 0;
            _count = 0;
            _flowing = false;
            _target = Samples(InitialTarget);
            room = _room;
            _room = null;
        }
        room?.TrySetResult();
    }

    private static int Samples(TimeSpan duration) => (int)(duration.TotalSeconds * StationFormat.SampleRate) * StationFormat.Channels;
}
