using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;
using RadioServer.Live;
using RadioServer.NowPlaying;
using RadioServer.Operations;
using RadioServer.Streaming;
using RadioServer.Tests.Infrastructure;
using RadioServer.Tests.Live;
using RadioServer.Tests.Operations;

namespace RadioServer.Tests.NowPlaying;

/// <summary>LIVE on the hubs: the players' public live message in step with the stream, the operators' full status coalesced.</summary>
public sealed class LiveHubTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly string _mp3;

    public LiveHubTests()
    {
        TestAudio.WriteToneWav(_folder.File("Auto - Filler.wav"), 500, 30);
        LiveHost.WriteSchedule(_folder.Path);
        _mp3 = Path.Combine(_folder.Path, "host.mp3");
        TestAudio.WriteToneMp3(_mp3, 1000, 30, channels: 1, bitrateKbps: 64);
    }

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task HostGoesOnAir_PlayersGetLiveWithTheHost_AtTheStreamPositionOfTheTakeover_AndOffAirWhenTheSourceDrops()
    {
        // 11:59:55: the host connects in the early window (standby), the takeover is the slot's start, 5 s of stream later.
        await using var station = await TestStation.StartAsync(_folder.Media, LiveHost.Settings(), services: LiveHost.Accounts(), start: LiveHost.SlotStart.AddSeconds(-5));
        var marks = Channel.CreateUnbounded<TrackMark>();
        station.Chain.TrackChanged += m => marks.Writer.TryWrite(m);
        await using var client = await LiveClient.ConnectAsync(station);
        var state = await client.States.Reader.ReadAsync().AsTask().WaitAsync(LiveHost.Guard);
        Assert.Equal(new LiveMessage("off", false, false, null, null, 0, 0), state.Live);

        await using var source = await TestSource.ConnectAsync(station, _mp3);
        Assert.StartsWith("HTTP/1.1 200 OK", source.Answer, StringComparison.Ordinal);
        var standby = await client.NextAsync(m => m.State == "standby");
        Assert.False(standby.OnAir);
        Assert.Equal(LiveHost.Name, standby.Host);
        Assert.Equal(LiveHost.ShowTitle, standby.ShowTitle);

        await station.AdvanceLiveAsync(TimeSpan.FromSeconds(6), source);
        var onAir = await client.NextAsync(m => m.OnAir);
        Assert.Equal(("onAir", false, LiveHost.Name, LiveHost.ShowTitle), (onAir.State, onAir.Master, onAir.Host, onAir.ShowTitle));
        // Where the listener hears the host: the live title's mark, where its sound comes out of a decoder: the frame
        // the takeover falls in (the slot's start, 5 s into the stream, or the next frame), plus the limiter's look-ahead
        // and the codec's delay (~28 ms), to half a frame.
        var liveMark = await FirstAsync(marks.Reader, m => LiveTrack.IsLive(m.Track));
        Assert.Equal(liveMark.HeardPosition, onAir.StreamPosition);
        Assert.Equal(liveMark.HeardPosition * 8 / 128_000.0, onAir.StreamTime, 3);
        Assert.InRange(onAir.StreamTime, 5.0 + 0.010, 5.0 + 0.070);
        Assert.Equal(onAir, (await client.Connection.InvokeAsync<RadioState>("GetState")).Live);

        // The source drops: what it buffered plays out, then the grace time; automation is heard again.
        source.Drop();
        await station.AdvanceLiveAsync(TimeSpan.FromSeconds(10));
        var off = await client.NextAsync(m => !m.OnAir);
        Assert.Equal("dropped", off.State);
        Assert.Equal(LiveHost.Name, off.Host);
        var automationMark = await FirstAsync(marks.Reader, m => !LiveTrack.IsLive(m.Track));
        Assert.Equal(automationMark.HeardPosition, off.StreamPosition);
        Assert.True(off.StreamPosition > onAir.StreamPosition);
        Assert.False((await client.Connection.InvokeAsync<RadioState>("GetState")).Live.OnAir);
    }

    [Fact]
    public async Task OperatorsGetTheFullLiveStatus_WithAddressAndLevel_AtMostFourTimesASecond()
    {
        await using var station = await TestStation.StartAsync(_folder.Media, Operators.Settings([.. LiveHost.Settings().Select(kv => (kv.Key, kv.Value))]),
            services: LiveHost.Accounts(), start: LiveHost.SlotStart.AddSeconds(1));
        await using var op = await Operators.HubOperator.JoinAsync(station);
        Assert.Equal("off", op.State!.Status.Live.State);
        Assert.Empty(op.State.Status.Live.Sources);

        await using var source = await TestSource.ConnectAsync(station, _mp3);
        await station.AdvanceLiveAsync(TimeSpan.FromSeconds(3), source);
        // Every push carries the server's clock: read them up to the one of the last tick (at the end of the 3 s).
        var end = station.Time!.GetUtcNow();
        var statuses = new List<LiveStatus>();
        do
        {
            statuses.Add(await op.Live.Reader.ReadAsync().AsTask().WaitAsync(LiveHost.Guard));
        }
        while (statuses[^1].Now < end);
        // One push per 250 ms tick of the station's clock while the source is connected (the fake clock's 100 ms steps
        // fire a tick up to a step late), however many changes and level readings came between.
        for (var i = 1; i < statuses.Count; i++)
        {
            Assert.True(statuses[i].Now - statuses[i - 1].Now >= OperatorsPublisher.LiveInterval - TimeSpan.FromMilliseconds(100), $"pushes at {statuses[i - 1].Now:HH:mm:ss.fff} and {statuses[i].Now:HH:mm:ss.fff}");
        }
        Assert.InRange(statuses.Count, 11, 13);
        var last = statuses[^1];
        Assert.Equal("onAir", last.State);
        var host = Assert.Single(last.Sources);
        Assert.Equal((LiveHost.Name, false, true, LiveHost.UserAgent, "127.0.0.1", "MP3"), (host.Account, host.Master, host.Heard, host.Client, host.Address, host.Codec));
        Assert.Equal((44100, 1, 64), (host.SampleRate, host.Channels, host.BitrateKbps));
        Assert.InRange(host.LevelDb!.Value, -7.5, -5); // a 0.5 sine peaks at -6 dBFS
    }

    private static async Task<TrackMark> FirstAsync(ChannelReader<TrackMark> marks, Func<TrackMark, bool> match)
    {
        while (true)
        {
            var mark = await marks.ReadAsync().AsTask().WaitAsync(LiveHost.Guard);
            if (match(mark))
            {
                return mark;
            }
        }
    }

    /// <summary>A player on /hubs/radio: its state and live pushes in channels.</summary>
    private sealed class LiveClient : IAsyncDisposable
    {
        private LiveClient(HubConnection connection) => Connection = connection;

        public HubConnection Connection { get; }

        public Channel<RadioState> States { get; } = Channel.CreateUnbounded<RadioState>();

        public Channel<LiveMessage> Live { get; } = Channel.CreateUnbounded<LiveMessage>();

        public static async Task<LiveClient> ConnectAsync(TestStation station)
        {
            var connection = new HubConnectionBuilder().WithUrl(station.Url("/hubs/radio")).Build();
            var client = new LiveClient(connection);
            connection.On<RadioState>("State", s => client.States.Writer.TryWrite(s));
            connection.On<LiveMessage>("Live", m => client.Live.Writer.TryWrite(m));
            await connection.StartAsync();
            return client;
        }

        /// <summary>The next live push that matches; the ones before it are skipped.</summary>
        public async Task<LiveMessage> NextAsync(Func<LiveMessage, bool> match)
        {
            while (true)
            {
                var message = await Live.Reader.ReadAsync().AsTask().WaitAsync(LiveHost.Guard);
                if (match(message))
                {
                    return message;
                }
            }
        }

        public async ValueTask DisposeAsync() => await Connection.DisposeAsync();
    }
}
