using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace RadioServer.Edges;

/// <summary>
/// The origin's side of <c>Radio:EdgeKey</c>: whether a request (an edge's pull or report) carries it. Hashed once and
/// compared in constant time, as the API keys are. Missing: 401; wrong, or this node takes no edges: 403, with the reason.
/// </summary>
internal sealed partial class EdgeKeys(IOptions<EdgeOptions> options, ILogger<EdgeKeys> logger)
{
    private readonly byte[]? _hash = string.IsNullOrWhiteSpace(options.Value.EdgeKey) ? null : Hash(options.Value.EdgeKey);

    public bool TakesEdges => _hash is not null;

    /// <summary>Null when the request carries the key; else the answer to give.</summary>
    public IResult? Refusal(HttpRequest request)
    {
        if (_hash is null)
        {
            return Results.Problem(statusCode: 403, title: "This node takes no edges.", detail: "Radio:EdgeKey is not set on this node.");
        }
        var key = request.Headers[RelayProtocol.KeyHeader].ToString();
        if (key.Length == 0)
        {
            Log.Refused(logger, request.HttpContext.Connection.RemoteIpAddress, "no key");
            return Results.Problem(statusCode: 401, title: "Edge key required.", detail: $"Send the station's Radio:EdgeKey in the {RelayProtocol.KeyHeader} header.");
        }
        if (!CryptographicOperations.FixedTimeEquals(Hash(key), _hash))
        {
            Log.Refused(logger, request.HttpContext.Connection.RemoteIpAddress, "wrong key");
            return Results.Problem(statusCode: 403, title: "Wrong edge key.", detail: $"The {RelayProtocol.KeyHeader} header is not this station's Radio:EdgeKey.");
        }
        return null;
    }

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "An edge request from {Address} was refused: {Reason}.", EventName = "EdgeKeyRefused")]
        public static partial void Refused(ILogger logger, System.Net.IPAddress? address, string reason);
    }
}
