using RadioServer.Live.Recording;
using RadioServer.Tests.Infrastructure;
using static RadioServer.Tests.Live.Recording.RecordingTestKit;

namespace RadioServer.Tests.Live.Recording;

/// <summary>
/// The recorder on its own (no station): the frames handed to it become one tagged MP3 a slot, decoded back and
/// measured; reconnects, restarts and a second slot; a disk that refuses and a writer that falls behind.
/// </summary>
public sealed class LiveRecorderTests : IDisposable
{
    // 07:00 in Berlin (winter, +01:00), the morning show's start.
    private static readonly DateTimeOffset s_morning = new(2026, 11, 26, 6, 0, 0, TimeSpan.Zero);
    private readonly TempFolder _folder = new();
    private readonly ListLoggerProvider _logs = new();

    public void Dispose() => _folder.Dispose();

    private string ShowFolder(string showId = "morning-show") => Path.Combine(_folder.Path, "recordings", showId);

    private static RecordingSlot Morning(DateTimeOffset? start = null) => Slot("morning-show", "Morning Show", start ?? s_morning, "Alex Morgan", "Jo Lee");

    private static (float[] Samples, double Seconds) Decode(string path)
    {
        var (samples, rate, channels) = TestAudio.DecodeMp3(File.ReadAllBytes(path));
        Assert.Equal((44100, 2), (rate, channels));
        return (samples, samples.Length / 2 / 44100.0);
    }

    [Fact]
    public async Task BeginWriteEnd_FiveSecondsOfTone_IsOneTaggedMp3OfThatToneAndLength()
    {
        await using var recorder = Recorder(_folder.Path, _logs);
        recorder.Begin(Morning());
        await WriteAsync(recorder, new Tone(1000), 5);
        Assert.True(recorder.Recording);
        var part = Path.Combine(ShowFolder(), "2026-11-26_0700.mp3.part");
        Assert.True(File.Exists(part), "a .part while recording");

        recorder.End();
        await recorder.WrittenAsync();

        var path = Path.Combine(ShowFolder(), "2026-11-26_0700.mp3"); // station time, not UTC (06:00)
        Assert.True(File.Exists(path));
        Assert.False(File.Exists(part));
        Assert.False(recorder.Recording);
        var (samples, seconds) = Decode(path);
        // LAME's encoder delay and its last, flushed frame add a little (~50 ms); nothing is lost.
        Assert.InRange(seconds, 5.0, 5.15);
        Assert.InRange(FrequencyAt(samples, 0.5, 4), 995, 1005);
        Assert.InRange(TestAudio.Rms(TestAudio.Channel(samples, 2, 1).AsSpan(44100, 44100 * 3)), 0.3, 0.4); // 0.5 peak: RMS 0.354

        using (var tagged = TagLib.File.Create(path))
        {
            Assert.Equal("Morning Show — 2026-11-26 07:00", tagged.Tag.Title);
            Assert.Equal(["Alex Morgan", "Jo Lee"], tagged.Tag.Performers);
            Assert.Equal("Morning Show", tagged.Tag.Album);
            Assert.Equal(2026u, tagged.Tag.Year);
            Assert.Equal(LiveRecorder.Comment, tagged.Tag.Comment);
            Assert.True(tagged.TagTypes.HasFlag(TagLib.TagTypes.Id3v2));
            Assert.Equal(128, tagged.Properties.AudioBitrate);
        }
        var bytes = File.ReadAllBytes(path);
        using (var stream = new MemoryStream(bytes))
        {
            var frames = TestAudio.Frames(bytes.AsSpan((int)Mp3Layout.TagLength(stream))); // nothing but whole frames after the tag
            Assert.InRange(frames.Count * 1152 / 44100.0, 5.0, 5.15);
            Assert.All(frames, f => Assert.Equal(128, f.BitrateKbps));
        }
        Assert.Equal(bytes.Length, recorder.BytesWritten);
        Assert.Equal(0, recorder.DroppedFrames);
        Assert.Equal(0, recorder.Failures);
        Assert.Contains(_logs.Entries, e => e.EventId.Name == "RecordingStarted");
        Assert.Contains(_logs.Entries, e => e.EventId.Name == "RecordingFinished");
    }

    [Fact]
    public async Task BeginAgainForTheSameSlot_AHostReconnecting_GoesOnInTheSameFile()
    {
        await using var recorder = Recorder(_folder.Path, _logs);
        recorder.Begin(Morning());
        await WriteAsync(recorder, new Tone(500), 2);
        recorder.Begin(Morning()); // the same slot, a new record (as the lead's session logic would build it)
        await WriteAsync(recorder, new Tone(1000), 2);
        recorder.End();
        await recorder.WrittenAsync();

        Assert.Equal(["2026-11-26_0700.mp3"], Directory.GetFiles(ShowFolder()).Select(Path.GetFileName));
        var (samples, seconds) = Decode(Path.Combine(ShowFolder(), "2026-11-26_0700.mp3"));
        Assert.InRange(seconds, 4.0, 4.15);
        Assert.InRange(FrequencyAt(samples, 0.3, 1.5), 495, 505);
        Assert.InRange(FrequencyAt(samples, 2.3, 1.5), 995, 1005);
        Assert.Single(_logs.Entries, e => e.EventId.Name == "RecordingStarted");
    }

    [Fact]
    public async Task BeginForAnotherSlot_EndsTheFirstFile_AndStartsASecond()
    {
        await using var recorder = Recorder(_folder.Path, _logs);
        recorder.Begin(Morning());
        await WriteAsync(recorder, new Tone(500), 1);
        recorder.Begin(Slot("evening-lounge", "Evening Lounge", new DateTimeOffset(2026, 11, 26, 18, 0, 0, TimeSpan.Zero), "Sam Rivera"));
        await WriteAsync(recorder, new Tone(1000), 2);
        recorder.End();
        await recorder.WrittenAsync();

        var first = Path.Combine(ShowFolder(), "2026-11-26_0700.mp3");
        var second = Path.Combine(ShowFolder("evening-lounge"), "2026-11-26_1900.mp3");
        Assert.Equal([first], Directory.GetFiles(ShowFolder()));
        Assert.Equal([second], Directory.GetFiles(ShowFolder("evening-lounge")));
        var (a, aSeconds) = Decode(first);
        var (b, bSeconds) = Decode(second);
        Assert.InRange(aSeconds, 1.0, 1.15);
        Assert.InRange(bSeconds, 2.0, 2.15);
        Assert.InRange(FrequencyAt(a, 0.2, 0.7), 495, 505);
        Assert.InRange(FrequencyAt(b, 0.2, 1.5), 995, 1005);
        using var tagged = TagLib.File.Create(second);
        Assert.Equal("Evening Lounge — 2026-11-26 19:00", tagged.Tag.Title);
        Assert.Equal(["Sam Rivera"], tagged.Tag.Performers);
    }

    [Fact]
    public async Task BeginForASlotWhosePartALostRunLeft_CutsTheHalfFrame_AndAppends()
    {
        var part = Path.Combine(ShowFolder(), "2026-11-26_0700.mp3.part");
        await using (var first = Recorder(_folder.Path, _logs))
        {
            first.Begin(Morning());
            await WriteAsync(first, new Tone(500), 2);
        }
        // The server was killed mid-slot: the .part it left ends inside a frame.
        File.Move(Path.Combine(ShowFolder(), "2026-11-26_0700.mp3"), part);
        var length = new FileInfo(part).Length;
        using (var truncate = new FileStream(part, FileMode.Open))
        {
            truncate.SetLength(length - 150);
        }

        await using var second = Recorder(_folder.Path, _logs);
        second.Begin(Morning());
        await WriteAsync(second, new Tone(1000), 2);
        second.End();
        await second.WrittenAsync();

        var path = Path.Combine(ShowFolder(), "2026-11-26_0700.mp3");
        Assert.Equal([path], Directory.GetFiles(ShowFolder()));
        var bytes = File.ReadAllBytes(path);
        using var stream = new MemoryStream(bytes);
        var frames = TestAudio.Frames(bytes.AsSpan((int)Mp3Layout.TagLength(stream))); // throws on a broken frame chain
        Assert.Equal(bytes.Length - Mp3Layout.TagLength(stream), frames.Sum(f => (long)f.FrameLength));
        var (samples, seconds) = Decode(path);
        Assert.InRange(seconds, 3.9, 4.2);
        Assert.InRange(FrequencyAt(samples, 0.3, 1.4), 495, 505);
        Assert.InRange(FrequencyAt(samples, 2.4, 1.4), 995, 1005);
        var resumed = Assert.Single(_logs.Entries, e => e.EventId.Name == "RecordingResumed");
        Assert.Contains(".part a previous run left", resumed.Message, StringComparison.Ordinal);
        using var tagged = TagLib.File.Create(path);
        Assert.Equal("Morning Show", tagged.Tag.Album); // the first run's tag stays at the front
    }

    [Fact]
    public async Task EndThenBeginForTheSameSlot_ReopensTheFinishedFile()
    {
        await using var recorder = Recorder(_folder.Path, _logs);
        recorder.Begin(Morning());
        await WriteAsync(recorder, new Tone(500), 1);
        recorder.End();
        recorder.Begin(Morning());
        await WriteAsync(recorder, new Tone(1000), 1);
        Assert.Equal(["2026-11-26_0700.mp3.part"], Directory.GetFiles(ShowFolder()).Select(Path.GetFileName));
        recorder.End();
        await recorder.WrittenAsync();

        var (samples, seconds) = Decode(Path.Combine(ShowFolder(), "2026-11-26_0700.mp3"));
        Assert.InRange(seconds, 2.0, 2.2);
        Assert.InRange(FrequencyAt(samples, 0.2, 0.6), 495, 505);
        Assert.InRange(FrequencyAt(samples, 1.3, 0.6), 995, 1005);
        Assert.Contains(_logs.Entries, e => e.EventId.Name == "RecordingResumed" && e.Message.Contains("finished file", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StoppingTheServer_FinishesTheOpenFile()
    {
        var recorder = Recorder(_folder.Path, _logs);
        recorder.Begin(Morning());
        await WriteAsync(recorder, new Tone(1000), 1);
        recorder.Write(new Tone(1000).Next()); // still queued when the stop comes: written too

        await recorder.StopAsync(CancellationToken.None);

        Assert.Equal(["2026-11-26_0700.mp3"], Directory.GetFiles(ShowFolder()).Select(Path.GetFileName));
        Assert.InRange(Decode(Path.Combine(ShowFolder(), "2026-11-26_0700.mp3")).Seconds, 1.0, 1.2);
        Assert.Contains(_logs.Entries, e => e.EventId.Name == "RecordingFinished" && e.Message.Contains("stopping", StringComparison.Ordinal));
        recorder.Begin(Morning()); // after the stop: ignored, nothing thrown
        recorder.Write(new Tone(1000).Next());
        Assert.Equal(0, recorder.DroppedFrames);
    }

    [Fact]
    public async Task AnUnwritableFolder_StopsTheRecordingWithAnAlarm_AndWriteStaysCheap()
    {
        var blocker = Path.Combine(_folder.Path, "not-a-folder");
        await File.WriteAllTextAsync(blocker, "a file where the recordings folder should be");
        await using var recorder = Recorder(_folder.Path, _logs, recordingsPath: Path.Combine(blocker, "recordings"));
        var alarms = new List<(bool Active, string Message)>();
        var raised = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        recorder.HealthChanged += (active, message) =>
        {
            lock (alarms)
            {
                alarms.Add((active, message));
            }
            raised.TrySetResult();
        };
        var tone = new Tone(1000);

        recorder.Begin(Morning());
        for (var i = 0; i < 20; i++)
        {
            recorder.Write(tone.Next()); // never throws, whatever the writer meets
        }
        await raised.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await recorder.WrittenAsync();

        Assert.False(recorder.Recording);
        Assert.Equal(1, recorder.Failures);
        var (active, message) = Assert.Single(alarms);
        Assert.True(active);
        Assert.Contains("Morning Show", message, StringComparison.Ordinal);
        Assert.DoesNotContain(_folder.Path, message, StringComparison.Ordinal); // operators' words: no server path in the (public) alarm
        var failed = Assert.Single(_logs.Entries, e => e.EventId.Name == "RecordingFailed");
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Error, failed.Level);
        Assert.IsAssignableFrom<IOException>(failed.Exception);

        // From now on a frame costs a check: nothing copied, queued or allocated.
        var frame = tone.Next().ToArray();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            recorder.Write(frame);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(0, recorder.Queued);
        Assert.Equal(0, recorder.DroppedFrames);
        recorder.End();
        await recorder.WrittenAsync();
        Assert.Equal(1, recorder.Failures);
    }

    [Fact]
    public async Task AFullDisk_StopsTheRecording_AndTheNextSlotRecordsAgain()
    {
        if (!File.Exists("/dev/full"))
        {
            return; // Linux's always-full device stands in for a full disk
        }
        Directory.CreateDirectory(ShowFolder());
        File.CreateSymbolicLink(Path.Combine(ShowFolder(), "2026-11-26_0700.mp3.part"), "/dev/full");
        await using var recorder = Recorder(_folder.Path, _logs);
        var alarms = new List<(bool Active, string Message)>();
        recorder.HealthChanged += (active, message) =>
        {
            lock (alarms)
            {
                alarms.Add((active, message));
            }
        };

        recorder.Begin(Morning());
        await WriteAsync(recorder, new Tone(1000), 1);
        Assert.False(recorder.Recording);
        Assert.Equal(1, recorder.Failures);
        Assert.Contains("the disk is full", Assert.Single(alarms).Message, StringComparison.Ordinal);

        recorder.Begin(Slot("evening-lounge", "Evening Lounge", s_morning.AddHours(12), "Sam Rivera"));
        await WriteAsync(recorder, new Tone(1000), 1);
        recorder.End();
        await recorder.WrittenAsync();
        Assert.InRange(Decode(Path.Combine(ShowFolder("evening-lounge"), "2026-11-26_1900.mp3")).Seconds, 1.0, 1.15);
        lock (alarms)
        {
            Assert.Equal(2, alarms.Count);
            Assert.False(alarms[1].Active);
            Assert.Contains("works again", alarms[1].Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AWriterFallingBehind_DropsFramesPastTheQueue_CountsThem_AndAlarmsOnce()
    {
        using var encoders = new StallingEncoders();
        await using var recorder = Recorder(_folder.Path, _logs, encoders: encoders);
        var alarms = new List<(bool Active, string Message)>();
        recorder.HealthChanged += (active, message) =>
        {
            lock (alarms)
            {
                alarms.Add((active, message));
            }
        };
        var tone = new Tone(1000);
        recorder.Begin(Morning());
        recorder.Write(tone.Next());
        await encoders.Entered.Task.WaitAsync(TimeSpan.FromSeconds(10)); // the writer holds that frame, stuck

        const int over = 50;
        for (var i = 0; i < recorder.QueueFrames + over; i++)
        {
            recorder.Write(tone.Next());
        }
        // The stuck frame's buffer is out of the pool: the queue takes QueueFrames - 1 more, the rest is dropped.
        Assert.Equal(over + 1, recorder.DroppedFrames);
        Assert.Equal(recorder.QueueFrames - 1, recorder.Queued);
        var frame = tone.Next().ToArray();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            recorder.Write(frame); // dropping costs nothing either
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(over + 101, recorder.DroppedFrames);
        lock (alarms)
        {
            Assert.True(Assert.Single(alarms).Active);
        }
        Assert.Single(_logs.Entries, e => e.EventId.Name == "RecordingFramesDropped");

        encoders.Release.Set();
        recorder.End();
        await recorder.WrittenAsync();
        lock (alarms)
        {
            Assert.Equal(2, alarms.Count);
            Assert.False(alarms[1].Active);
            Assert.Contains($"{over + 101} frames", alarms[1].Message, StringComparison.Ordinal);
        }
        // What was queued was recorded: QueueFrames frames of tone.
        var (samples, seconds) = Decode(Path.Combine(ShowFolder(), "2026-11-26_0700.mp3"));
        Assert.InRange(seconds, recorder.QueueFrames * 1152 / 44100.0, (recorder.QueueFrames + 3) * 1152 / 44100.0);
        Assert.InRange(FrequencyAt(samples, 0.5, 2), 995, 1005);
    }

    [Fact]
    public async Task Write_OnceTheQueuesBuffersExist_AllocatesNothing()
    {
        using var encoders = new StallingEncoders();
        await using var recorder = Recorder(_folder.Path, _logs, encoders: encoders);
        var tone = new Tone(1000);
        recorder.Begin(Morning());
        recorder.Write(tone.Next());
        await encoders.Entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        for (var i = 1; i < recorder.QueueFrames; i++)
        {
            recorder.Write(tone.Next()); // every buffer the queue may hold is made now, once
        }
        Assert.Equal(0, recorder.DroppedFrames);
        encoders.Release.Set();
        await recorder.WrittenAsync();

        var frame = tone.Next().ToArray();
        long allocated = 0;
        for (var i = 0; i < 10; i++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var j = 0; j < 20; j++)
            {
                recorder.Write(frame);
            }
            allocated += GC.GetAllocatedBytesForCurrentThread() - before;
            await recorder.WrittenAsync();
        }
        Assert.Equal(0, allocated);
        Assert.Equal(0, recorder.DroppedFrames);
        recorder.End();
        await recorder.WrittenAsync();
        Assert.InRange(Decode(Path.Combine(ShowFolder(), "2026-11-26_0700.mp3")).Seconds, (recorder.QueueFrames + 200) * 1152 / 44100.0, (recorder.QueueFrames + 203) * 1152 / 44100.0);
    }

    [Fact]
    public async Task RecordingOff_EmptyPath_BeginWriteEndDoNothing()
    {
        await using var recorder = Recorder(_folder.Path, _logs, recordingsPath: "");
        Assert.False(recorder.Enabled);
        recorder.Begin(Morning());
        recorder.Write(new Tone(1000).Next());
        recorder.End();
        await recorder.WrittenAsync();
        Assert.False(Directory.Exists(Path.Combine(_folder.Path, "recordings")));
        Assert.Equal(0, recorder.Queued);
        Assert.Equal(0, recorder.BytesWritten);
    }
}
