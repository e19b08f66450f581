using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using RadioServer.Auth;
using RadioServer.Live;
using RadioServer.Station;

namespace RadioServer.Relays;

/// <summary>
/// Icecast's <c>/admin/streamlist.txt</c> as a master answers it to a slave (Icecast-Server src/admin.c,
/// <c>command_list_mounts</c>; src/stats.c, <c>stats_get_streams</c>): with the relay credentials, <c>200</c>,
/// <c>text/plain</c>, one mount a line, each ending in CRLF. The slave (src/slave.c, <c>update_from_master</c>) sends
/// <c>GET /admin/streamlist.txt HTTP/1.0</c> with only an <c>Authorization: Basic</c> header (no Host), checks that
/// the status line starts <c>HTTP/1.0 200</c> or <c>HTTP/1.1 200</c>, skips the headers, reads lines until the
/// connection closes (a last line without its line end is lost) and relays each path from the master's own
/// host and port, with <c>Icy-MetaData: 1</c>.
/// </summary>
internal sealed partial class StreamList(IOptions<RelayOptions> relay, IOptions<RadioOptions> radio, FailedKeyLog failures, ILogger<StreamList> logger)
{
    public const string Path = "/admin/streamlist.txt";

    public IResult Answer(HttpContext context)
    {
        var options = relay.Value;
        var address = context.Connection.RemoteIpAddress;
        if (options.Password is not { } password)
        {
            Log.Unconfigured(logger, address);
            return Results.Text("Relaying is off on this station: Radio:Relay:Password is not set.\n", "text/plain", Encoding.UTF8, StatusCodes.Status404NotFound);
        }
        var (user, given) = SourceRequest.BasicCredentials(context.Request.Headers.Authorization.ToString());
        if (user is null || given is null || !Same(user, options.User) || !Same(given, password))
        {
            // Every refusal at Debug, a Warning per address at most once a minute (someone guessing cannot flood the log).
            failures.Refused(address, Path);
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"Icecast2 Server\"";
            return Results.Text("Authentication required: the relay user and password (Radio:Relay).\n", "text/plain", Encoding.UTF8, StatusCodes.Status401Unauthorized);
        }
        Log.Listed(logger, address, context.Request.Headers.UserAgent.ToString());
        // One mount: the station's. Results.Text sets Content-Length, so an HTTP/1.0 slave gets a whole body and the close.
        return Results.Text(radio.Value.MountPath + "\r\n", "text/plain", Encoding.UTF8);
    }

    private static bool Same(string given, string expected) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(expected));

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "A relay at {Address} asked for the stream list, but relaying is off: set Radio:Relay:Password (and Radio:Relay:User, default 'relay') to the relay's <master-password> and <master-username>.", EventName = "StreamListUnconfigured")]
        public static partial void Unconfigured(ILogger logger, IPAddress? address);

        [LoggerMessage(2, LogLevel.Information, "Stream list sent to the relay at {Address} ({UserAgent}).", EventName = "StreamListSent")]
        public static partial void Listed(ILogger logger, IPAddress? address, string userAgent);
    }
}
