using RadioServer.Audio;

namespace RadioServer.Live;

/// <summary>
/// The jitter buffer between a live source's reading task (one writer) and the air chain (one reader): decoded
/// station-format samples. The chain starts taking from it once <see cref="Target"/> is buffered, so a source's
/// network hiccups are bridged; after an underrun it waits for the target again, and the target grows by 100 ms (up
/// to 2 s): it grows only when the source's network is bad, and comes back down by 100 ms after every 30 s without
/// one. More buffered than the target plus <see cref="Slack"/> (a client's burst at connect, a target come down) is
/// caught up by dropping quiet audio (below -50 dBFS: a pause), never sound. Past <see cref="HighWater"/> the writer
/// waits for room, so a source sending faster than real time meets TCP back-pressure, never a growing buffer.
/// </summary>
internal sealed class LiveBuffer
{
    public static readonly TimeSpan InitialTarget = TimeSpan.FromMilliseconds(200);
    public static readonly TimeSpan MaxTarget = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan HighWater = TimeSpan.FromSeconds(3);

    /// <summary>How much more than the target may stay buffered before quiet audio is dropped to catch up.</summary>
    public static readonly TimeSpan Slack = TimeSpan.FromMilliseconds(100);

    /// <summary>How long the buffer must flow without an underrun before its target comes down by 100 ms.</summary>
    public static readonly TimeSpan DecayAfter = TimeSpan.FromSeconds(30);

    // Below -50 dBFS: dropping it cannot be heard.
    private const float Quiet = 0.00316f;
    private static readonly int s_highWater = Samples(HighWater);
    private static readonly int s_initial = Samples(InitialTarget);
    private static readonly int s_slack = Samples(Slack);
    private static readonly int s_step = Samples(TimeSpan.FromMilliseconds(100));
    private static readonly int s_decayAfter = Samples(DecayAfter);
    private long _sinceUnderrun;
    private long _caughtUp;
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

    /// <summary>Samples of quiet audio dropped to bring the delay back to the target (after a burst or a network hiccup).</summary>
    public long CaughtUp => Interlocked.Read(ref _caughtUp);

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
                _target = Math.Min(Samples(MaxTarget), _target + s_step);
                _sinceUnderrun = 0;
                Interlocked.Increment(ref _underruns);
            }
            else if (!_complete)
            {
                // A network that behaves earns its delay back: the target comes down, 100 ms every 30 s without an underrun.
                _sinceUnderrun += read;
                if (_sinceUnderrun >= s_decayAfter && _target > s_initial)
                {
                    _target = Math.Max(s_initial, _target - s_step);
                    _sinceUnderrun = 0;
                }
                // More buffered than the target needs (a client's burst at connect, a target come down): drop what
                // comes next if it is quiet (a pause in speech), never sound, at most one read's worth at a time.
                var excess = Math.Min(_count - _target - s_slack, samples.Length);
                excess -= excess % StationFormat.Channels;
                if (excess > 0 && IsQuiet(excess))
                {
                    _start = (_start + excess) % _ring.Length;
                    _count -= excess;
                    _caughtUp += excess;
                }
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

    private bool IsQuiet(int count)
    {
        var first = Math.Min(count, _ring.Length - _start);
        return Peak(_ring.AsSpan(_start, first)) < Quiet && Peak(_ring.AsSpan(0, count - first)) < Quiet;

        static float Peak(ReadOnlySpan<float> span)
        {
            var peak = 0f;
            foreach (var x in span)
            {
                peak = Math.Max(peak, Math.Abs(x));
            }
            return peak;
        }
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
            _target = s_initial;
            _sinceUnderrun = 0;
            room = _room;
            _room = null;
        }
        room?.TrySetResult();
    }

    private static int Samples(TimeSpan duration) => (int)(duration.TotalSeconds * StationFormat.SampleRate) * StationFormat.Channels;
}
