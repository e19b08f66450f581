namespace RadioServer.Streaming.Listeners;

/// <summary>
/// Which players are relays: servers that pull the mount once and serve listeners of their own, so the station
/// counts them apart (a relay is one connection here for any number of listeners there). Icecast 2.x relays
/// (a per-mount <c>&lt;relay&gt;</c> or master-server mode) send their <c>&lt;server-id&gt;</c>, "Icecast 2.4.4" by
/// default, as the User-Agent of the relay request (Icecast-Server src/slave.c, <c>open_relay_connection</c>).
/// </summary>
internal static class RelayAgents
{
    public static bool IsRelay(string userAgent) =>
        userAgent.StartsWith("Icecast ", StringComparison.Ordinal) || userAgent.StartsWith("Icecast/", StringComparison.Ordinal);
}
