using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RadioServer.Audio;
using RadioServer.Live;
using RadioServer.Live.Accounts;
using RadioServer.Live.Recording;
using RadioServer.Station;
using RadioServer.Tests.Infrastructure;

namespace RadioServer.Tests.Live.Recording;

/// <summary>Slots, tones frame by frame as the air chain hands them over, and recorders on a temp folder.</summary>
internal static class RecordingTestKit
{
    public const int FrameSamples = StationFormat.FrameSamples;

    // Berlin in winter (+01:00): station time is not UTC, so a name from the wrong one shows.
    public static readonly TimeSpan StationOffset = TimeSpan.FromHours(1);

    public static RecordingSlot Slot(string showId, string title, DateTimeOffset startUtc, params string[] hosts) =>
        new(showId, title, hosts, startUtc, startUtc.ToOffset(StationOffset));

    public static LiveRecorder Recorder(string root, ListLoggerProvider logs, string recordingsPath = "recordings", IMp3EncoderFactory? encoders = null, int bitrate = 128)
    {
        var live = Options.Create(new LiveOptions { RecordingsPath = recordingsPath, RecordingBitrate = bitrate });
        var radio = Options.Create(new RadioOptions { RootPath = root });
        var files = new RecordingFiles(live, new StationPaths(radio));
        var logger = logs.CreateLogger(typeof(LiveRecorder).FullName!);
        return new LiveRecorder(files, encoders ?? new LameMp3EncoderFactory(), live, radio, new TypedLogger(logger));
    }

    private sealed class TypedLogger(ILogger inner) : ILogger<LiveRecorder>
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            inner.Log(logLevel, eventId, state, exception, formatter);
    }

    /// <summary>A tone as the air chain's frames, its phase continuous across calls.</summary>
    public sealed class Tone(double frequency, float amplitude = 0.5f)
    {
        private readonly float[] _frame = new float[FrameSamples * StationFormat.Channels];
        private long _sample;

        public ReadOnlySpan<float> Next()
        {
            for (var i = 0; i < FrameSamples; i++, _sample++)
            {
                var value = amplitude * (float)Math.Sin(2 * Math.PI * frequency * _sample / StationFormat.SampleRate);
                _frame[2 * i] = value;
                _frame[(2 * i) + 1] = value;
            }
            return _frame;
        }
    }

    public static int Frames(double seconds) => (int)Math.Round(seconds * StationFormat.SampleRate / FrameSamples);

    /// <summary>Writes <paramref name="seconds"/> of the tone, waiting for the writer now and then as real time would (never more than the queue holds at once).</summary>
    public static async Task WriteAsync(LiveRecorder recorder, Tone tone, double seconds)
    {
        var frames = Frames(seconds);
        for (var i = 0; i < frames; i++)
        {
            recorder.Write(tone.Next());
            if (i % 50 == 49)
            {
                await recorder.WrittenAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
        await recorder.WrittenAsync().WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>The tone's frequency in a window of the decoded left channel.</summary>
    public static double FrequencyAt(float[] interleaved, double fromSeconds, double seconds)
    {
        var left = TestAudio.Channel(interleaved, 2, 0);
        var start = (int)(fromSeconds * StationFormat.SampleRate);
        return TestAudio.ToneFrequency(left.AsSpan(start, (int)(seconds * StationFormat.SampleRate)), StationFormat.SampleRate);
    }

    /// <summary>An encoder factory whose first encoder's first call waits until released: a writer stuck on a slow disk.</summary>
    public sealed class StallingEncoders : IMp3EncoderFactory, IDisposable
    {
        private readonly LameMp3EncoderFactory _real = new();

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ManualResetEventSlim Release { get; } = new();

        public IMp3Encoder Create(int bitrateKbps, int quality) => new Stalling(this, _real.Create(bitrateKbps, quality));

        public void Dispose() => Release.Dispose();

        private sealed class Stalling(StallingEncoders owner, IMp3Encoder inner) : IMp3Encoder
        {
            public int MaxOutputBytes(int samplesPerChannel) => inner.MaxOutputBytes(samplesPerChannel);

            public int Encode(ReadOnlySpan<float> interleaved, Span<byte> output)
            {
                owner.Entered.TrySetResult();
                owner.Release.Wait(TimeSpan.FromSeconds(30));
                return inner.Encode(interleaved, output);
            }

            public int Flush(Span<byte> output) => inner.Flush(output);

            public void Dispose() => inner.Dispose();
        }
    }
}
