namespace RadioServer.Streaming.Listeners;

/// <summary>What a direct send (<see cref="DirectSender.Pump"/>) achieved.</summary>
internal enum PumpResult
{
    /// <summary>Everything up to the live edge was sent.</summary>
    CaughtUp,

    /// <summary>The socket's buffer is full: the player reads slower than the stream (or not at all).</summary>
    Blocked,

    /// <summary>The listener's place fell out of the ring.</summary>
    Evicted,

    /// <summary>The connection broke (reset, closed).</summary>
    Failed,
}
