using System.Text;
using Microsoft.Extensions.Options;
using RadioServer.Station;

namespace RadioServer.Streaming.Connections;

/// <summary>
/// What a full node (no place left in its <see cref="DescriptorBudget"/>) answers a new connection: a player asking
/// for the mount is sent (<c>302</c>) to another node of the station with room, when one is known (an edge's origin
/// says which in the answer to its report; an origin knows its edges' reports); anything else, or when no node has
/// room, hears the 503. Set from the Edges feature's thread, read by the accept loop: one volatile array, swapped whole.
/// </summary>
internal sealed class Overflow(IOptions<RadioOptions> options)
{
    private readonly byte[] _mount = Encoding.ASCII.GetBytes(options.Value.MountPath);
    private volatile string[] _elsewhere = [];
    private int _next;
    private long _redirected;

    /// <summary>Base URLs (scheme://host:port) of the station's other nodes that have room now, most room first.</summary>
    public IReadOnlyList<string> Elsewhere => _elsewhere;

    /// <summary>Players sent to another node since the start.</summary>
    public long Redirected => Interlocked.Read(ref _redirected);

    public void Offer(IEnumerable<string> baseUrls) => _elsewhere = [.. baseUrls.Select(u => u.TrimEnd('/'))];

    /// <summary>The answer for a connection that found no place: a redirect for a player of the mount if some node has room, else <paramref name="full"/>.</summary>
    public byte[] Answer(ReadOnlySpan<byte> head, byte[] full)
    {
        var elsewhere = _elsewhere;
        if (elsewhere.Length == 0 || !IsMountRequest(head, out var query))
        {
            return full;
        }
        // Round robin over the nodes with room, so one arrival wave does not all land on the first.
        var target = elsewhere[(int)((uint)Interlocked.Increment(ref _next) % (uint)elsewhere.Length)];
        Interlocked.Increment(ref _redirected);
        var location = target + options.Value.MountPath + query;
        return ConnectionAnswer.Of("302 Found", null, $"This server is full; the stream is at {location}", $"Location: {location}\r\n");
    }

    /// <summary>True for <c>GET</c> or <c>HEAD</c> of the mount path (with any query, kept for the redirect).</summary>
    private bool IsMountRequest(ReadOnlySpan<byte> head, out string query)
    {
        query = "";
        var space = head.IndexOf((byte)' ');
        if (space < 0 || !(head[..space].SequenceEqual("GET"u8) || head[..space].SequenceEqual("HEAD"u8)))
        {
            return false;
        }
        var rest = head[(space + 1)..];
        var end = rest.IndexOfAny((byte)' ', (byte)'\r', (byte)'\n');
        var target = end < 0 ? rest : rest[..end];
        var q = target.IndexOf((byte)'?');
        var path = q < 0 ? target : target[..q];
        if (!path.SequenceEqual(_mount))
        {
            return false;
        }
        if (q >= 0 && target[q..].Length <= 1024 && !target[q..].ContainsAnyExceptInRange((byte)0x21, (byte)0x7E))
        {
            query = Encoding.ASCII.GetString(target[q..]);
        }
        return true;
    }
}
