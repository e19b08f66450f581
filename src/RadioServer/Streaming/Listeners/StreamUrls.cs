using RadioServer.Station;

namespace RadioServer.Streaming.Listeners;

/// <summary>The stream's address as a client of this request reaches it (playlists, Icecast's status listenurl).</summary>
internal static class StreamUrls
{
    public static string Absolute(HttpRequest request, RadioOptions options) =>
        $"{request.Scheme}://{request.Host}{request.PathBase}{options.MountPath}";
}
