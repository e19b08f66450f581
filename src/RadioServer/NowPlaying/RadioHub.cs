using Microsoft.AspNetCore.SignalR;

namespace RadioServer.NowPlaying;

/// <summary>
/// The live link of the player pages at <c>/hubs/radio</c>: the whole state on connect, then pushes from
/// <see cref="NowPlayingPublisher"/>. The audio thread never calls the hub.
/// </summary>
public sealed class RadioHub(StationSnapshot snapshot, HubPresence presence) : Hub<IRadioClient>
{
    public override async Task OnConnectedAsync()
    {
        presence.Connected();
        await Clients.Caller.State(snapshot.State());
        await base.OnConnectedAsync();
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        presence.Disconnected();
        return base.OnDisconnectedAsync(exception);
    }

    /// <summary>The whole current state, for a client that reconnected.</summary>
    public RadioState GetState() => snapshot.State();

    /// <summary>
    /// Where the stream of this node's listener whose request carried <c>?t=<paramref name="tag"/></c> began, or null
    /// (no such listener here: gone, another node's, or no tag). The listener page asks once its audio plays.
    /// </summary>
    public StreamStartMessage? StreamStart(string tag) => snapshot.StreamStart(tag);
}
