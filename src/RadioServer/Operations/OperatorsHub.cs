using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using RadioServer.Auth;

namespace RadioServer.Operations;

/// <summary>
/// The operators' dashboard's live link at <c>/hubs/operators</c>. A connection sees nothing until it calls
/// <see cref="JoinOperators"/> with the operator key; then <see cref="OperatorsPublisher"/> pushes to it.
/// </summary>
public sealed class OperatorsHub(OperatorDesk desk, OperatorsPresence presence) : Hub<IOperatorsClient>
{
    public override Task OnConnectedAsync()
    {
        presence.Connected();
        return base.OnConnectedAsync();
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        presence.Disconnected(Context.ConnectionId);
        return base.OnDisconnectedAsync(exception);
    }

    /// <summary>Joins the operators' group (operator key required) and returns the dashboard's state.</summary>
    [Authorize(Policy = AuthServiceCollectionExtensions.OperatorPolicy)]
    public async Task<OperatorState> JoinOperators()
    {
        await Groups.AddToGroupAsync(Context.ConnectionId, OperatorsPresence.OperatorsGroup);
        presence.OperatorJoined(Context.ConnectionId);
        return desk.State();
    }
}
