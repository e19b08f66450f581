using Microsoft.Extensions.Options;
using RadioServer.Audio.Loudness;
using RadioServer.Library;
using RadioServer.Station;
using RadioServer.Streaming;

namespace RadioServer.Audio;

/// <summary>
/// The air chain: pulls station-format audio from the playout at exactly real time, encodes it once
/// with LAME and publishes whole MP3 frames to the <see cref="BroadcastBuffer"/>. The only code that
/// touches the encoder. It paces frame by frame (1,152 samples, ~26 ms), so the audio made never
/// strays more than one frame from the clock, but publishes four frames at a time (~104.5 ms): small
/// enough for a quick start, large enough that twenty thousand listeners wake ten times a second, not forty.
/// On air, <see cref="AirChainDriver"/> runs it on a thread of its own; tests step it with <see cref="ProduceDue"/>.
/// Each frame goes from the mixer through the true-peak limiter (3 ms look-ahead: the programme is that much later)
/// and the on-air meter, then to the dead-air detector and the encoder.
/// </summary>
internal sealed partial class AirChain
{
    public const int FramesPerBlock = 4;
    public const int BlockSamples = StationFormat.FrameSamples * FramesPerBlock;
    private const int FrameSamples = StationFormat.FrameSamples;

    // After a stall longer than this (a suspended VM, a debugger), catching up would only burst-encode
    // audio nobody hears live: the chain restarts its clock instead and counts an underrun.
    private static readonly TimeSpan s_maxCatchUp = TimeSpan.FromSeconds(5);

    private readonly IMp3EncoderFactory _encoders;
    private readonly BroadcastBuffer _buffer;
    private readonly RadioOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<AirChain> _logger;
    private readonly PlayoutSampleProvider _playout;
    private readonly ProgramMixer _program;
    private readonly DeadAirDetector _deadAir;
    private readonly TruePeakLimiter _limiter;
    private readonly OnAirMeter _meter;
    private readonly float[] _frame = new float[FrameSamples * StationFormat.Channels];
    private IMp3Encoder? _encoder;
    private byte[] _encoded = [];
    private Mp3FrameAssembler? _assembler;
    private Pacer? _pacer;
    private long _produced;
    private TrackMark? _mark;
    private (TrackInfo? Track, bool Pending) _nextTrack;
    private long _titleSample; // where the pending title began: the frame being read when it was announced
    private long _framesEncoded;
    private long _underruns;
    private volatile bool _running;

    public AirChain(IPlayoutSource playout, IMp3EncoderFactory encoders, BroadcastBuffer buffer, IOptions<RadioOptions> options, TimeProvider time, ILogger<AirChain> logger, DeadAirDetector deadAir, ILiveFeed? live = null, OnAirMeter? meter = null, IOptions<SoundOptions>? sound = null, ITrackSounds? sounds = null)
    {
        _limiter = new TruePeakLimiter((sound?.Value ?? new SoundOptions()).TruePeakDbtp);
        _meter = meter ?? new OnAirMeter();
        _deadAir = deadAir;
        _encoders = encoders;
        _buffer = buffer;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _playout = new PlayoutSampleProvider(playout, logger, time, sounds, sound?.Value);
        _program = new ProgramMixer(_playout, live ?? NoLiveFeed.Instance);
        _program.TitleChanged += track =>
        {
            _nextTrack = (track, true);
            _titleSample = _produced;
            _meter.ItemBoundary();
        };
    }

    /// <summary>Raised on the audio thread after the first chunk of a new title is published.</summary>
    public event Action<TrackMark>? TrackChanged;

    public bool IsRunning => _running;

    /// <summary>The true-peak limiter before the encoder (its look-ahead delays the programme by <see cref="TruePeakLimiter.DelaySamples"/>).</summary>
    internal TruePeakLimiter Limiter => _limiter;

    /// <summary>The loudness of what goes to the encoder.</summary>
    internal OnAirMeter Meter => _meter;

    /// <summary>Whether a live source is on air.</summary>
    public bool LiveOnAir => _program.LiveOnAir;

    public long FramesEncoded => Interlocked.Read(ref _framesEncoded);

    public long Underruns => Interlocked.Read(ref _underruns);

    /// <summary>Sample frames produced since start: the air chain's own clock.</summary>
    public long SamplesProduced => Interlocked.Read(ref _produced);

    /// <summary>How far production is behind real time (zero when on time).</summary>
    public TimeSpan Lag => _pacer is null ? TimeSpan.Zero : TimeSpan.FromSeconds(Math.Max(0, _pacer.SamplesDue - SamplesProduced) / (double)StationFormat.SampleRate);

    /// <summary>The air chain's own loop, on its own thread: produce what is due, sleep until the next block is, until stopped.</summary>
    internal void Run(CancellationToken stoppingToken)
    {
        Thread.CurrentThread.Name = "Air chain";
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var wait = ProduceDue();
                if (wait > TimeSpan.Zero)
                {
                    Sleep(wait, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // Only the encoder failing gets here (bad files are handled per track): the station is off air.
            Log.ChainFailed(_logger, ex);
            throw;
        }
        finally
        {
            Stop();
        }
    }

    /// <summary>Off air: the buffer is completed (listeners end) and the encoder released.</summary>
    internal void Stop()
    {
        _running = false;
        _buffer.Complete();
        _encoder?.Dispose();
    }

    private void Sleep(TimeSpan wait, CancellationToken stoppingToken)
    {
        if (ReferenceEquals(_time, TimeProvider.System))
        {
            stoppingToken.WaitHandle.WaitOne(wait);
        }
        else
        {
            Task.Delay(wait, _time, stoppingToken).Wait(stoppingToken);
        }
    }

    /// <summary>Creates the encoder and starts the clock. Separate from the loop so tests can step the chain.</summary>
    internal void Initialize()
    {
        if (_encoder is not null)
        {
            return;
        }
        _encoder = _encoders.Create(_options.BitrateKbps, _options.EncoderQuality);
        _encoded = new byte[_encoder.MaxOutputBytes(FrameSamples)];
        _assembler = new Mp3FrameAssembler(_encoder.MaxOutputBytes(BlockSamples) * 2);
        _pacer ??= new Pacer(_time, StationFormat.SampleRate);
        _running = true;
        Log.OnAir(_logger, _options.BitrateKbps, StationFormat.SampleRate, _options.EncoderQuality);
    }

    /// <summary>Produces every frame that is due by now; returns how long until the next one is.</summary>
    internal TimeSpan ProduceDue()
    {
        var pacer = _pacer ?? throw new InvalidOperationException("Initialize first.");
        var due = pacer.SamplesDue;
        if (due - _produced > s_maxCatchUp.TotalSeconds * StationFormat.SampleRate)
        {
            Interlocked.Increment(ref _underruns);
            Log.Stalled(_logger, (due - _produced) / (double)StationFormat.SampleRate);
            pacer.Restart(_produced);
            due = _produced + FrameSamples;
        }
        var now = _time.GetUtcNow();
        while (_produced + FrameSamples <= due)
        {
            // The frame's own instant on the stream clock: exact to the sample however many frames one wake-up makes.
            var instant = now - TimeSpan.FromTicks((due - _produced) * TimeSpan.TicksPerSecond / StationFormat.SampleRate);
            _program.Read(_frame, instant);
            _limiter.Process(_frame);
            _meter.Observe(_frame, _limiter.InputPeak, _limiter.OutputPeak, _limiter.MinGain);
            _deadAir.Observe(_frame, _produced, _time);
            var bytes = _encoder!.Encode(_frame, _encoded);
            _assembler!.Append(_encoded.AsSpan(0, bytes));
            Interlocked.Add(ref _produced, FrameSamples);
            if (_assembler.WholeFrames >= FramesPerBlock)
            {
                Publish();
            }
        }
        // Sleep until a whole block is due: one wake-up per published chunk. Waking per frame kept the
        // audio a frame closer to the clock between wake-ups but cost more CPU than the encoding itself.
        return pacer.UntilDue(((_produced / BlockSamples) + 1) * BlockSamples);
    }

    private void Publish()
    {
        var frames = _assembler!.TakeWholeFrames(out var frameCount);
        var changed = _mark is null || _nextTrack.Pending;
        if (changed)
        {
            var track = _nextTrack.Track;
            _mark = new TrackMark(track, track?.DisplayTitle ?? _options.StationName, _buffer.EndPosition, _time.GetUtcNow(), HeardPosition(_titleSample));
            _nextTrack = (track, false);
        }
        _buffer.Publish(frames, frameCount, _mark!);
        Interlocked.Add(ref _framesEncoded, frameCount);
        if (changed)
        {
            _meter.ItemPublished();
            TrackChanged?.Invoke(_mark!);
        }
    }

    /// <summary>
    /// On an edge (<c>Radio:Origin</c> set) the chain encodes nothing and its driver is not started: the origin's frames
    /// (or the edge's silence while the origin is away) come in here at their stream positions, so whatever listens to
    /// the chain (the hub, the history, the status) hears the origin's titles as it would the chain's own. One caller
    /// at a time (the edge's relay), in place of the chain's own thread.
    /// </summary>
    internal void Relay(byte[] frames, int frameCount, TrackMark mark, long position)
    {
        _running = true;
        var changed = !ReferenceEquals(_mark, mark);
        _mark = mark;
        _buffer.Publish(frames, frameCount, mark, position);
        Interlocked.Add(ref _framesEncoded, frameCount);
        if (changed)
        {
            TrackChanged?.Invoke(mark);
        }
    }

    /// <summary>
    /// The stream position (bytes at the CBR rate) where a decoder puts out the sample the mixer made at
    /// <paramref name="sample"/>: half a frame on (the title began somewhere in that frame), then the limiter's
    /// look-ahead and the MP3 codec's delay. A decoder's output sample n is at byte n x bitrate / 8 / 44,100 of the
    /// stream (whole frames of 1,152 samples, CBR).
    /// </summary>
    private long HeardPosition(long sample)
    {
        var decoded = sample + (FrameSamples / 2) + _limiter.DelaySamples + CodecDelaySamples;
        return decoded * _options.BitrateKbps * 125 / StationFormat.SampleRate;
    }

    /// <summary>
    /// LAME's encoder delay (576 samples) plus the decoder's (529: the synthesis filterbank), as LAME's own gapless
    /// header (encoder delay, and decoders' 528 + 1) counts them: a decoder's output is this much later than the input.
    /// </summary>
    internal const int CodecDelaySamples = 576 + 529;

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "On air: MP3 {Bitrate} kbps CBR, {SampleRate} Hz joint stereo, LAME -q {Quality}.", EventName = "OnAir")]
        public static partial void OnAir(ILogger logger, int bitrate, int sampleRate, int quality);

        [LoggerMessage(2, LogLevel.Warning, "Air chain stalled {Seconds:F1} s behind real time; restarting its clock.", EventName = "Stalled")]
        public static partial void Stalled(ILogger logger, double seconds);

        [LoggerMessage(3, LogLevel.Critical, "Air chain failed: the station is off the air.", EventName = "ChainFailed")]
        public static partial void ChainFailed(ILogger logger, Exception exception);
    }
}
