namespace RadioServer.Streaming.Listeners;

/// <summary>Why a listener's session ended.</summary>
internal enum LeaveReason
{
    ClientClosed,
    TooSlow,
    Error,
    Kicked,
    ServerStopping,
}
