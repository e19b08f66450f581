using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using RadioServer.Streaming.Connections;

namespace RadioServer.Edges;

/// <summary>This node as the station's other nodes see it: its name, where listeners reach it, how much room it has.</summary>
internal sealed class EdgeSelf(IOptions<EdgeOptions> options, IServer server)
{
    private readonly EdgeOptions _options = options.Value;

    /// <summary>Where listeners reach this node: <c>Radio:PublicUrl</c>, else the first address the server listens on (null before it listens).</summary>
    public string? Url()
    {
        if (!string.IsNullOrWhiteSpace(_options.PublicUrl))
        {
            return _options.PublicUrl.TrimEnd('/');
        }
        // Port 0 is what was asked for, not yet where the server listens.
        return server.Features.Get<IServerAddressesFeature>()?.Addresses
            .FirstOrDefault(a => Uri.TryCreate(a, UriKind.Absolute, out var uri) && uri.Port != 0)?.TrimEnd('/');
    }

    /// <summary><c>Radio:PublicUrl</c> as set (null when unset): an origin offers itself to full edges only when it says where listeners reach it.</summary>
    public string? PublicUrl => string.IsNullOrWhiteSpace(_options.PublicUrl) ? null : _options.PublicUrl.TrimEnd('/');

    public string Name => !string.IsNullOrWhiteSpace(_options.EdgeName) ? _options.EdgeName
        : Url() is { } url && Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.Authority : Environment.MachineName;

    /// <summary>Connections this node can take now (its descriptor budget's free places).</summary>
    public long Room(DescriptorBudget budget) => budget.Capacity == long.MaxValue ? int.MaxValue : Math.Max(0, budget.Capacity - budget.Connections);
}
