using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using RadioServer.Streaming.Connections;
using RadioServer.Streaming.Listeners;

namespace RadioServer.Edges;

/// <summary>
/// The origin's view of its edges: each one's last report (listeners, room, public URL). The station's listeners are this
/// node's own plus every edge heard from in the last <see cref="StaleAfter"/>; an edge not heard from since drops out of the
/// total and of the nodes a full one redirects to. Reports come in on request threads; reads prune.
/// </summary>
internal sealed class EdgeTable(ListenerRegistry listeners, DescriptorBudget budget, Overflow overflow, EdgeSelf self, TimeProvider time)
{
    /// <summary>Five missed reports at the default 2 s.</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, EdgeShare> _edges = new(StringComparer.Ordinal);

    /// <summary>Takes an edge's report; the answer names the other nodes with room.</summary>
    public EdgeReportAnswer Report(EdgeReport report)
    {
        _edges[report.Name] = new EdgeShare(report.Name, report.Url, report.Listeners, report.Room, report.OriginConnected, time.GetUtcNow());
        var fresh = Fresh();
        return new EdgeReportAnswer(listeners.Count + fresh.Sum(e => e.Listeners), WithRoom(fresh, except: report.Name));
    }

    /// <summary>The edges heard from lately, by name; the stale ones are forgotten here.</summary>
    public IReadOnlyList<EdgeShare> Fresh()
    {
        var now = time.GetUtcNow();
        foreach (var (name, share) in _edges)
        {
            if (now - share.ReportedAt > StaleAfter)
            {
                _edges.TryRemove(new KeyValuePair<string, EdgeShare>(name, share));
            }
        }
        EdgeShare[] fresh = [.. _edges.Values.Where(e => now - e.ReportedAt <= StaleAfter).OrderBy(e => e.Name, StringComparer.Ordinal)];
        // When this node itself is full, it sends players to the edges with room.
        overflow.Offer(WithRoom(fresh, except: null).Where(n => n.Name != self.Name).Select(n => n.Url));
        return fresh;
    }

    public int StationListeners => listeners.Count + Fresh().Sum(e => e.Listeners);

    private List<EdgeNode> WithRoom(IEnumerable<EdgeShare> fresh, string? except)
    {
        var nodes = fresh.Where(e => e.Name != except && e.Room > 0 && e.Url is not null).Select(e => new EdgeNode(e.Name, e.Url!, e.Room)).ToList();
        // The origin serves listeners too: an edge that is full may send them here while it has room, if it says where it is.
        var room = self.Room(budget);
        if (self.PublicUrl is { } url && room > 0)
        {
            nodes.Add(new EdgeNode(self.Name, url, room));
        }
        return [.. nodes.OrderByDescending(n => n.Room)];
    }
}
