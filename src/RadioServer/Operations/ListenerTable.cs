using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using RadioServer.Station;
using RadioServer.Streaming;
using RadioServer.Streaming.Listeners;

namespace RadioServer.Operations;

/// <summary>Who listens now, as operators may see it (GET /api/listeners, the dashboard's table): addresses anonymised unless configured.</summary>
internal sealed class ListenerTable(IOptions<RadioOptions> options, IOptions<OperationsOptions> operations, BroadcastBuffer buffer, ListenerRegistry listeners)
{
    /// <summary>Listeners connected now, longest-connected first, at most <paramref name="limit"/>; and how many there are.</summary>
    public (IReadOnlyList<ListenerInfo> Table, int Total) Listeners(int limit)
    {
        var edge = buffer.EndPosition;
        var bytesPerSecond = options.Value.BitrateKbps * 1000.0 / 8;
        var show = operations.Value.ShowListenerAddresses;
        var sessions = listeners.Sessions.ToList();
        var table = sessions
            .OrderBy(s => s.Id)
            .Take(limit)
            .Select(s =>
            {
                var lag = s.Position < 0 ? 0 : Math.Max(0, edge - s.Position);
                return new ListenerInfo(s.Id, Describe(s.Address, show), s.UserAgent, s.ConnectedAt, s.BytesSent, lag, Math.Round(lag / bytesPerSecond, 3), s.MetaInt > 0);
            })
            .ToList();
        return (table, sessions.Count);
    }

    /// <summary>An address as operators may see it: whole when configured, else IPv4 /24 or IPv6 /48 (the rest zeroed).</summary>
    internal static string Describe(IPAddress? address, bool whole)
    {
        if (address is null)
        {
            return "unknown";
        }
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (whole)
        {
            return address.ToString();
        }
        var bytes = address.GetAddressBytes();
        var keep = address.AddressFamily == AddressFamily.InterNetwork ? 3 : 6;
        for (var i = keep; i < bytes.Length; i++)
        {
            bytes[i] = 0;
        }
        return new IPAddress(bytes).ToString();
    }
}
