namespace RadioServer.Tests.Streaming;

/// <summary>
/// The two ways a player's bytes are written: straight to its socket (the station's accept loop or Kestrel's raw
/// socket, then the Broadcaster; <c>true</c>, the default) and through Kestrel's response pipe, as TLS and HTTP/2
/// are served (<c>Radio:DirectListeners=false</c>). The stream tests' core checks run on both.
/// </summary>
public static class ListenerPaths
{
    public static TheoryData<bool> Both => new() { true, false };

    public static IDictionary<string, string?> Settings(bool directListeners, IDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>())
        {
            ["Radio:DirectListeners"] = directListeners ? "true" : "false",
        };
        return all;
    }
}
