namespace RadioServer.Relays;

/// <summary>Relays' HTTP side: the stream list for an Icecast in master-server mode (<see cref="StreamList"/>).</summary>
internal static class RelayEndpoints
{
    public static IEndpointRouteBuilder MapRelays(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(StreamList.Path, (HttpContext context, StreamList list) => list.Answer(context));
        return endpoints;
    }
}
