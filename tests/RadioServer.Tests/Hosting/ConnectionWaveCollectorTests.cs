using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using RadioServer.Hosting;
using RadioServer.Streaming;
using RadioServer.Streaming.Listeners;
using RadioServer.Tests.Infrastructure;

namespace RadioServer.Tests.Hosting;

/// <summary>The collection after a wave of connections waits for the count to hold still, and fits the wave.</summary>
public sealed class ConnectionWaveCollectorTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public ConnectionWaveCollectorTests() => TestAudio.WriteToneWav(_folder.File("Alpha - One.wav"), 500, 2);

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Wave_SettlesOnceQuiet_AndReturnsMemoryAfterItLeaves()
    {
        var heap = new RecordingCollector();
        await using var station = await TestStation.StartAsync(_folder.Media,
            new Dictionary<string, string?> { ["Radio:Memory:WaveConnections"] = "4", ["Radio:Memory:QuietSeconds"] = "2" },
            services: s => s.Replace(ServiceDescriptor.Singleton<IHeapCollector>(heap)));
        await station.AdvanceAsync(TimeSpan.FromSeconds(1.5));

        var players = new List<StreamClient>();
        for (var i = 0; i < 4; i++)
        {
            players.Add(await StreamClient.ConnectAsync(station.Url("/stream")));
        }
        Assert.Equal(4, station.Listeners.Count);

        await station.AdvanceAsync(TimeSpan.FromSeconds(1)); // t=2.5: the tick at 2 s sees the wave arrive
        await station.AdvanceAsync(TimeSpan.FromSeconds(1)); // t=3.5: quiet for 1 s only
        Assert.Equal((0, 0), (heap.Settles, heap.Returns));
        await station.AdvanceAsync(TimeSpan.FromSeconds(1)); // t=4.5: quiet for 2 s
        Assert.Equal((1, 0), (heap.Settles, heap.Returns));
        await station.AdvanceAsync(TimeSpan.FromSeconds(5)); // still, nothing more to do
        Assert.Equal((1, 0), (heap.Settles, heap.Returns));

        // Three leave: a wave of 3 is not enough...
        var left = 0;
        var allButOneLeft = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        station.Listeners.Left += _ =>
        {
            if (Interlocked.Increment(ref left) == 3)
            {
                allButOneLeft.TrySetResult();
            }
        };
        foreach (var player in players.Take(3))
        {
            await player.DisposeAsync();
        }
        await station.AdvanceUntilAsync(allButOneLeft.Task);
        await station.AdvanceAsync(TimeSpan.FromSeconds(5));
        Assert.Equal((1, 0), (heap.Settles, heap.Returns));

        // ...the fourth makes it one, and it departed: memory goes back.
        var lastLeft = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        station.Listeners.Left += _ => lastLeft.TrySetResult();
        await players[3].DisposeAsync();
        await station.AdvanceUntilAsync(lastLeft.Task);
        Assert.Equal(0, station.Listeners.Count);
        await station.AdvanceAsync(TimeSpan.FromSeconds(3.5));
        Assert.Equal((1, 1), (heap.Settles, heap.Returns));
        Assert.Contains(station.Logs.Entries, e => e.EventId.Name == "WaveCollected" && e.Message.Contains("return memory", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Disabled_NeverCollects()
    {
        var heap = new RecordingCollector();
        await using var station = await TestStation.StartAsync(_folder.Media,
            new Dictionary<string, string?> { ["Radio:Memory:WaveConnections"] = "0" },
            services: s => s.Replace(ServiceDescriptor.Singleton<IHeapCollector>(heap)));
        await using var a = await StreamClient.ConnectAsync(station.Url("/stream"));
        await using var b = await StreamClient.ConnectAsync(station.Url("/stream"));
        await station.AdvanceAsync(TimeSpan.FromSeconds(10));
        Assert.Equal((0, 0), (heap.Settles, heap.Returns));
    }

    private sealed class RecordingCollector : IHeapCollector
    {
        public int Settles;
        public int Returns;

        public void Settle() => Interlocked.Increment(ref Settles);

        public void ReturnMemory() => Interlocked.Increment(ref Returns);
    }
}
