using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using RadioServer.Audio;
using RadioServer.Streaming;
using RadioServer.Tests.Infrastructure;

namespace RadioServer.Tests.Operations;

/// <summary>Dead air: a silent item raises the alarm in time, everywhere operators look, and the emergency playlist takes over.</summary>
public sealed class DeadAirTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public DeadAirTests()
    {
        TestAudio.WriteToneWav(_folder.File("01 Tone - Before.wav"), 500, 2);
        TestAudio.WriteToneWav(_folder.File("02 Quiet - Nothing.wav"), 500, 30, amplitude: 0.0005f); // -69 dBFS: under -50
        Directory.CreateDirectory(_folder.File("emergency"));
        TestAudio.WriteToneWav(Path.Combine(_folder.File("emergency"), "Rescue - Tone.wav"), 800, 3);
    }

    public void Dispose() => _folder.Dispose();

    private void Automation(params string[] items) =>
        File.WriteAllText(Path.Combine(_folder.Path, "schedule.json"),
            $$"""{ "timeZone": "UTC", "automation": { "playlist": { "items": [{{string.Join(", ", items.Select(i => $"\"{i}\""))}}] } }, "shows": [] }""");

    [Fact]
    public async Task SilentItem_RaisesTheAlarmWithinThresholdPlusOneSecond_InStatusMetricsLogAndHub()
    {
        Automation("01 Tone - Before.wav", "02 Quiet - Nothing.wav");
        await using var station = await TestStation.StartAsync(_folder.Media, Operators.Settings());
        await using var op = await Operators.HubOperator.JoinAsync(station);
        var silenceStarts = new TaskCompletionSource<TrackMark>(TaskCreationOptions.RunContinuationsAsynchronously);
        station.Chain.TrackChanged += m =>
        {
            if (m.StreamTitle == "Quiet - Nothing")
            {
                silenceStarts.TrySetResult(m);
            }
        };
        var raised = Channel.CreateUnbounded<DeadAirEvent>();
        station.App.Services.GetRequiredService<DeadAirDetector>().Changed += e => raised.Writer.TryWrite(e);

        await station.AdvanceAsync(TimeSpan.FromSeconds(13));

        var silentFrom = (await silenceStarts.Task.WaitAsync(TimeSpan.FromSeconds(5))).Position * 8 / 128_000.0;
        var alarm = await raised.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(alarm.Active);
        // Default: 10 s under -50 dBFS. Raised after at least 10 s of silence and within 10 + 1 s of its start.
        Assert.InRange(alarm.StreamTime - silentFrom, 10.0, 11.0);
        var pushed = await op.Alarms.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal("deadAir", pushed.Kind);
        Assert.True(pushed.Active);
        Assert.Contains("Dead air", pushed.Message, StringComparison.Ordinal);

        var status = await Operators.StatusAsync(station);
        Assert.True(status.DeadAir.Active);
        Assert.Equal(1, status.DeadAir.Alarms);
        Assert.InRange(status.DeadAir.DeadAirSeconds, 10.0, 11.5);
        Assert.True(status.Encoder.LevelDbfs < -60);
        Assert.Contains(status.Alarms, a => a.Kind == "deadAir" && a.Active);
        using var http = Operators.Http(station, key: null);
        var metrics = await http.GetStringAsync("/metrics");
        Assert.Contains("radio_dead_air_active 1", metrics, StringComparison.Ordinal);
        Assert.Contains("radio_dead_air_alarms_total 1", metrics, StringComparison.Ordinal);
        Assert.Contains(station.Logs.Entries, e => e.EventId.Name == "DeadAir");
    }

    [Fact]
    public async Task ShortQuiet_RaisesNoAlarm()
    {
        Automation("01 Tone - Before.wav", "02 Quiet - Nothing.wav");
        await using var station = await TestStation.StartAsync(_folder.Media, Operators.Settings(("Radio:DeadAir:Seconds", "40")));
        await station.AdvanceAsync(TimeSpan.FromSeconds(20));
        var status = await Operators.StatusAsync(station);
        Assert.False(status.DeadAir.Active);
        Assert.Equal(0, status.DeadAir.Alarms);
    }

    [Fact]
    public async Task EmergencyPlaylist_TakesOverFromTheSilentItem_UntilTheLevelReturns()
    {
        Automation("02 Quiet - Nothing.wav");
        await using var station = await TestStation.StartAsync(_folder.Media, Operators.Settings(
            ("Radio:DeadAir:Seconds", "2"), ("Radio:DeadAir:EmergencyPlaylist:0", "emergency")));
        var marks = Channel.CreateUnbounded<TrackMark>();
        station.Chain.TrackChanged += m => marks.Writer.TryWrite(m);
        var events = Channel.CreateUnbounded<DeadAirEvent>();
        station.App.Services.GetRequiredService<DeadAirDetector>().Changed += e => events.Writer.TryWrite(e);

        await station.AdvanceAsync(TimeSpan.FromSeconds(4));

        Assert.Equal("Quiet - Nothing", (await marks.Reader.ReadAsync()).StreamTitle);
        var raised = await events.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(raised.Active);
        var rescue = await marks.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal("Rescue - Tone", rescue.StreamTitle);
        // The silent item fades out (0.5 s) as soon as the alarm is raised.
        Assert.InRange(rescue.Position * 8 / 128_000.0 - raised.StreamTime, 0.0, 0.75);
        var cleared = await events.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(cleared.Active);
        Assert.InRange(cleared.StreamTime - rescue.Position * 8 / 128_000.0, -0.2, 0.2);
        Assert.Contains(station.Logs.Entries, e => e.EventId.Name == "EmergencyTrack");
    }
}
