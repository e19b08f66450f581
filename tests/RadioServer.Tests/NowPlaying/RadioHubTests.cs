using System.Net;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;
using RadioServer.NowPlaying;
using RadioServer.Scheduling;
using RadioServer.Streaming;
using RadioServer.Tests.Infrastructure;

namespace RadioServer.Tests.NowPlaying;

public sealed class RadioHubTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public RadioHubTests()
    {
        TestAudio.WriteToneWav(_folder.File("Alpha - One.wav"), 500, 2);
        TestAudio.WriteToneWav(_folder.File("Beta - Two.wav"), 700, 2);
        // Thursday 2026-11-26, UTC: "Lunch Beats" 12:00-14:00 every day.
        File.WriteAllText(Path.Combine(_folder.Path, "schedule.json"), """
            { "timeZone": "UTC", "automation": { "title": "Night Automation", "playlist": { "items": ["."] } },
              "shows": [ { "id": "lunch", "title": "Lunch Beats", "hosts": ["Kim"], "playlist": { "items": ["."] },
                           "slots": [ { "days": ["mon","tue","wed","thu","fri","sat","sun"], "start": "12:00", "end": "14:00" } ] } ] }
            """);
    }

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Connect_SendsTheWholeStateInOneMessage()
    {
        await using var station = await TestStation.StartAsync(_folder.Media, new Dictionary<string, string?> { ["Radio:StationName"] = "Hub FM" }, start: At(12, 30));
        await station.AdvanceAsync(TimeSpan.FromSeconds(1));
        await using var listener = await StreamClient.ConnectAsync(station.Url("/stream"));
        await using var client = await HubClient.ConnectAsync(station);

        var state = await client.States.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("Hub FM", state.Station.Name);
        Assert.Equal("/stream", state.Station.StreamUrl);
        Assert.Equal(128, state.Station.BitrateKbps);
        Assert.Equal("Lunch Beats", state.OnAir.Current.Title);
        Assert.Equal(["Kim"], state.OnAir.Current.Hosts);
        Assert.Equal(At(12, 0), state.OnAir.Current.Start);
        Assert.Equal(At(14, 0), state.OnAir.Current.End);
        Assert.Equal(At(12, 0).AddDays(1), state.OnAir.Next?.Start); // the next show: tomorrow's
        Assert.Equal("Alpha - One", state.NowPlaying?.DisplayTitle);
        Assert.Equal(1, state.Listeners);
        Assert.Equal("on-air", state.Stream.Status);
        Assert.InRange(state.LiveStreamTime, 0.5, 1.0);

        var again = await client.Connection.InvokeAsync<RadioState>("GetState");
        Assert.Equal("Hub FM", again.Station.Name);
    }

    [Fact]
    public async Task TrackChange_PushesNowPlaying_WithItsStreamPosition()
    {
        await using var station = await TestStation.StartAsync(_folder.Media, start: At(12, 30));
        await using var client = await HubClient.ConnectAsync(station);
        var marks = Channel.CreateUnbounded<TrackMark>();
        station.Chain.TrackChanged += m => marks.Writer.TryWrite(m);

        await station.AdvanceAsync(TimeSpan.FromSeconds(5));
        var received = new List<TrackMessage>();
        var expected = new List<TrackMark>();
        while (marks.Reader.TryRead(out var mark))
        {
            expected.Add(mark);
            received.Add(await client.Tracks.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5)));
        }
        Assert.True(expected.Count >= 2, $"{expected.Count} track changes");
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].StreamTitle, received[i].DisplayTitle);
            // Where the track's sound comes out of a decoder: in or just after the chunk its mark (ICY's switch) is on.
            Assert.Equal(expected[i].HeardPosition, received[i].StreamPosition);
            Assert.Equal(expected[i].HeardPosition * 8 / 128_000.0, received[i].StreamTime, 3);
            Assert.InRange(received[i].StreamPosition, expected[i].Position, expected[i].Position + 1672 + 2000);
        }
        // The two 2 s tracks alternate, each heard 2 s after the one before (to the frame, ~26 ms, where each began).
        for (var i = 1; i < received.Count; i++)
        {
            Assert.NotEqual(received[i - 1].DisplayTitle, received[i].DisplayTitle);
            Assert.InRange(received[i].StreamTime - received[i - 1].StreamTime, 2.0 - 0.027, 2.0 + 0.027);
        }
        var state = await client.Connection.InvokeAsync<RadioState>("GetState");
        Assert.Equal(received[^1].DisplayTitle, state.NowPlaying?.DisplayTitle);
        Assert.Equal(received[^2].DisplayTitle, state.Recent[0].DisplayTitle);
    }

    [Theory]
    [InlineData(true)] // answered by the accept loop (the tag parsed from the raw request)
    [InlineData(false)] // through Kestrel's pipe
    public async Task StreamStart_SaysWhereATaggedListenersStreamBegan_AndTheBurstIsWhatThePageIsTold(bool direct)
    {
        const string Tag = "1764159000123456789";
        await using var station = await TestStation.StartAsync(_folder.Media, new Dictionary<string, string?> { ["Radio:DirectListeners"] = direct ? "true" : "false" }, start: At(12, 30));
        await station.AdvanceAsync(TimeSpan.FromSeconds(6)); // more than a burst on air
        await using var client = await HubClient.ConnectAsync(station);
        var state = await client.States.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        await using var listener = await StreamClient.ConnectAsync(station.Url($"/stream?x=1&t={Tag}"));
        await listener.WaitForAudioAsync(1);

        var start = await client.Connection.InvokeAsync<StreamStartMessage?>("StreamStart", Tag);

        Assert.NotNull(start);
        // The clock stands still: all the listener gets is its burst, from where the server says it began to the live edge.
        var burst = station.Buffer.EndPosition - start.StreamPosition;
        await listener.WaitForAudioAsync(burst);
        Assert.Equal(burst, listener.AudioBytes);
        Assert.Equal(start.StreamPosition * 8 / 128_000.0, start.StreamTime, 3);
        // Whole chunks, 40 for 64 KiB at 128 kbps: the burst the page is told is the one it gets, to the millisecond.
        Assert.Equal(burst * 8 / 128_000.0, state.Station.BurstSeconds, 0.001);
        Assert.Equal(4.1796, state.Station.BurstSeconds, 3);

        Assert.Null(await client.Connection.InvokeAsync<StreamStartMessage?>("StreamStart", "1764159000999999999"));
        Assert.Null(await client.Connection.InvokeAsync<StreamStartMessage?>("StreamStart", "t"));
    }

    [Fact]
    public async Task SlotChange_PushesOnAir_AndListenerCountIsPushed()
    {
        await using var station = await TestStation.StartAsync(_folder.Media, start: At(11, 59, 58));
        await using var client = await HubClient.ConnectAsync(station);
        var state = await client.States.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(state.OnAir.Current.IsAutomation);
        Assert.Equal("Lunch Beats", state.OnAir.Next?.Title);

        await station.AdvanceAsync(TimeSpan.FromSeconds(3));
        var onAir = await client.OnAirs.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("Lunch Beats", onAir.Current.Title);

        await using var listener = await StreamClient.ConnectAsync(station.Url("/stream"));
        await station.AdvanceAsync(TimeSpan.FromSeconds(1.5));
        int count;
        do
        {
            count = await client.ListenerCounts.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        }
        while (count == 0);
        Assert.Equal(1, count);
    }

    [Theory]
    [InlineData("http://evil.example", null, HttpStatusCode.Forbidden)]
    [InlineData("http://friend.example", "http://friend.example", HttpStatusCode.OK)]
    public async Task CrossOrigin_RefusedUnlessConfigured(string origin, string? configured, HttpStatusCode expected)
    {
        var settings = new Dictionary<string, string?>();
        if (configured is not null)
        {
            settings["Radio:Cors:Origins:0"] = configured;
        }
        await using var station = await TestStation.StartAsync(_folder.Media, settings);
        using var http = new HttpClient();
        foreach (var (method, path) in new[] { (HttpMethod.Post, "/hubs/radio/negotiate?negotiateVersion=1"), (HttpMethod.Get, "/api/schedule/now") })
        {
            using var request = new HttpRequestMessage(method, station.Url(path));
            request.Headers.Add("Origin", origin);
            using var response = await http.SendAsync(request);
            Assert.Equal(expected, response.StatusCode);
            if (expected == HttpStatusCode.OK)
            {
                Assert.Equal(origin, response.Headers.GetValues("Access-Control-Allow-Origin").Single());
            }
        }
        using var sameSite = new HttpRequestMessage(HttpMethod.Get, station.Url("/api/schedule/now"));
        sameSite.Headers.Add("Origin", station.BaseUri.GetLeftPart(UriPartial.Authority));
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(sameSite)).StatusCode);
    }

    private static DateTimeOffset At(int hour, int minute, int second = 0) => new(2026, 11, 26, hour, minute, second, TimeSpan.Zero);

    /// <summary>A SignalR client that queues every push it gets, per message kind.</summary>
    private sealed class HubClient : IAsyncDisposable
    {
        private HubClient(HubConnection connection) => Connection = connection;

        public HubConnection Connection { get; }

        public Channel<RadioState> States { get; } = Channel.CreateUnbounded<RadioState>();

        public Channel<TrackMessage> Tracks { get; } = Channel.CreateUnbounded<TrackMessage>();

        public Channel<OnAirMessage> OnAirs { get; } = Channel.CreateUnbounded<OnAirMessage>();

        public Channel<int> ListenerCounts { get; } = Channel.CreateUnbounded<int>();

        public static async Task<HubClient> ConnectAsync(TestStation station)
        {
            var connection = new HubConnectionBuilder().WithUrl(station.Url("/hubs/radio")).Build();
            var client = new HubClient(connection);
            connection.On<RadioState>("State", s => client.States.Writer.TryWrite(s));
            connection.On<TrackMessage>("NowPlaying", t => client.Tracks.Writer.TryWrite(t));
            connection.On<OnAirMessage>("OnAir", o => client.OnAirs.Writer.TryWrite(o));
            connection.On<int>("Listeners", c => client.ListenerCounts.Writer.TryWrite(c));
            await connection.StartAsync();
            return client;
        }

        public async ValueTask DisposeAsync() => await Connection.DisposeAsync();
    }
}
