using RadioServer.Streaming;
using RadioServer.Streaming.Listeners;
using RadioServer.Tests.Infrastructure;

namespace RadioServer.Tests.Streaming;

public sealed class SlowListenerTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [MemberData(nameof(ListenerPaths.Both), MemberType = typeof(ListenerPaths))]
    public async Task StalledListener_IsDroppedAtTheQueueLimit_WhileAnotherKeepsRealTime(bool directListeners)
    {
        const int queueLimit = 128 * 1024;
        TestAudio.WriteToneWav(_folder.File("A - Tone.wav"), 440, seconds: 120);
        await using var station = await TestStation.StartAsync(_folder.Media, ListenerPaths.Settings(directListeners, new Dictionary<string, string?>
        {
            ["Radio:QueueLimitBytes"] = queueLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Radio:BurstSizeBytes"] = "16384",
        }));
        var dropped = new TaskCompletionSource<(ListenerSession Session, long Behind)>(TaskCreationOptions.RunContinuationsAsynchronously);
        station.Listeners.Left += s => dropped.TrySetResult((s, s.BehindWhenDropped));

        await using var healthy = await StreamClient.ConnectAsync(station.Url("/stream"), icyMetadata: true);
        await using var stalled = await StreamClient.ConnectAsync(station.Url("/stream"), receiveBufferSize: 4096, read: false);
        Assert.Equal(2, station.Listeners.Count);
        var startEdge = station.Buffer.EndPosition;

        var seconds = 0.0;
        await station.AdvanceAsync(TimeSpan.FromSeconds(90), TimeSpan.FromMilliseconds(250), async () =>
        {
            seconds += 0.25;
            // The healthy player keeps up: all audio up to the live edge reaches it at each step.
            await healthy.WaitForAudioAsync(station.Buffer.EndPosition - startEdge);
        });

        var (session, behind) = await dropped.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(LeaveReason.TooSlow, session.LeaveReason);
        // Dropped once over the limit, within one sweep (1 s of audio = 16,000 bytes) of it.
        Assert.InRange(behind, queueLimit, queueLimit + 40_000);
        Assert.Equal(1, station.Listeners.Count);
        Assert.Equal(1, station.Listeners.Leaves(LeaveReason.TooSlow));

        // The chain never waited: 90 s of clock made 90 s of audio, and the healthy listener has all of it.
        Assert.InRange(station.Chain.SamplesProduced, (90 * 44100) - 1152, 90 * 44100);
        Assert.Equal(station.Buffer.EndPosition - startEdge, healthy.AudioBytes);
        Assert.InRange(healthy.AudioBytes, 89 * 16000, 91 * 16000);
        TestAudio.Frames(healthy.Audio);
    }
}
