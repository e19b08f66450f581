using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;
using RadioServer.NowPlaying;
using RadioServer.Streaming;
using RadioServer.Tests.Infrastructure;

namespace RadioServer.Tests.Backplane;

/// <summary>A player's hub connection (<c>/hubs/radio</c>), each push queued by kind.</summary>
internal sealed class HubPlayer : IAsyncDisposable
{
    private HubPlayer(HubConnection connection) => Connection = connection;

    public HubConnection Connection { get; }

    public Channel<RadioState> States { get; } = Channel.CreateUnbounded<RadioState>();

    public Channel<TrackMessage> Tracks { get; } = Channel.CreateUnbounded<TrackMessage>();

    public static async Task<HubPlayer> ConnectAsync(TestStation station)
    {
        // As the pages connect: WebSockets only, no negotiate request (any node can take it, no sticky sessions).
        var connection = new HubConnectionBuilder()
            .WithUrl(station.Url("/hubs/radio"), Microsoft.AspNetCore.Http.Connections.HttpTransportType.WebSockets, o => o.SkipNegotiation = true)
            .Build();
        var player = new HubPlayer(connection);
        connection.On<RadioState>("State", s => player.States.Writer.TryWrite(s));
        connection.On<TrackMessage>("NowPlaying", t => player.Tracks.Writer.TryWrite(t));
        await connection.StartAsync();
        return player;
    }

    public ValueTask DisposeAsync() => Connection.DisposeAsync();
}
