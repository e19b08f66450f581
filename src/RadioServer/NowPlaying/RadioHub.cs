using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using RadioServer.Auth;
using RadioServer.Operations;

namespace RadioServer.NowPlaying;

/// <summary>
/// The live link of the player pages at <c>/hubs/radio</c>: the whole state on connect, then pushes from
/// <see cref="NowPlayingPublisher"/>. Operators (with the operator key) also join the operators' group for
/// the dashboard's updates. The audio thread never calls the hub.
/// </summary>
public sealed class RadioHub(StationSnapshot snapshot, HubPresence presence, OperatorDesk desk) : Hub<IRadioClient>
{
    public override async Task OnConnectedAsync()
    {
        presence.Connected();
        await Clients.Caller.State(snapshot.State());
        await base.OnConnectedAsync();
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        presence.Disconnected(Context.ConnectionId);
        return base.OnDisconnectedAsync(exception);
    }

    /// <summary>The whole current state, for a client that reconnected.</summary>
    public RadioState GetState() => snapshot.State();

    /// <summary>Joins the operators' group (operator key required) and returns the dashboard's state.</summary>
    [Authorize(Policy = AuthServiceCollectionExtensions.OperatorPolicy)]
    public async Task<OperatorState> JoinOperators()
    {
        await Groups.AddToGroupAsync(Context.ConnectionId, HubPresence.OperatorsGroup);
        presence.OperatorJoined(Context.ConnectionId);
        return desk.State();
    }
}
