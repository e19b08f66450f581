using System.Globalization;
using Microsoft.Extensions.Options;
using RadioServer.Station;
using RadioServer.Streaming;

namespace RadioServer.Edges;

/// <summary>
/// The origin's side of the relay (<c>GET /api/edges/stream</c>, edge key required): this node's broadcast buffer, chunk
/// by chunk, as <see cref="RelayProtocol"/> records, from where the edge asks (<c>?from=</c> its live edge after an
/// outage, else a burst's worth back). An edge's pull is not a listener: it is not counted, listed or kept to the
/// listeners' rules, only cut when it falls the queue limit behind. Each pull runs on its request's task and reads the
/// buffer like any other reader; the air chain never waits for it.
/// </summary>
internal sealed partial class EdgeFeed(BroadcastBuffer buffer, IOptions<RadioOptions> options, ILogger<EdgeFeed> logger)
{
    private readonly RadioOptions _options = options.Value;
    private int _pulls;

    /// <summary>Edges pulling the stream now.</summary>
    public int Pulls => Volatile.Read(ref _pulls);

    public async Task ServeAsync(HttpContext context, long? from)
    {
        var cancellationToken = context.RequestAborted;
        var sequence = StartAt(from);
        AudioChunk? chunk;
        ChunkRead read;
        while ((read = buffer.TryRead(sequence, out chunk)) != ChunkRead.Ok)
        {
            if (buffer.IsCompleted)
            {
                context.Response.StatusCode = 503;
                return;
            }
            if (read == ChunkRead.Evicted)
            {
                sequence = buffer.BurstStart(_options.BurstSizeBytes);
                continue;
            }
            await buffer.WaitForAsync(sequence).WaitAsync(cancellationToken);
        }
        var response = context.Response;
        response.ContentType = RelayProtocol.ContentType;
        response.Headers.CacheControl = "no-store";
        response.Headers[RelayProtocol.PositionHeader] = chunk!.Position.ToString(CultureInfo.InvariantCulture);
        response.Headers[RelayProtocol.BitrateHeader] = _options.BitrateKbps.ToString(CultureInfo.InvariantCulture);
        var writer = response.BodyWriter;
        Interlocked.Increment(ref _pulls);
        Log.Pulling(logger, context.Connection.RemoteIpAddress, chunk.Position);
        TrackMark? sent = null;
        try
        {
            while (true)
            {
                read = buffer.TryRead(sequence, out chunk);
                if (read == ChunkRead.NotYet)
                {
                    var flushed = await writer.FlushAsync(cancellationToken);
                    if (flushed.IsCompleted || buffer.IsCompleted)
                    {
                        return;
                    }
                    await buffer.WaitForAsync(sequence).WaitAsync(cancellationToken);
                    continue;
                }
                if (read == ChunkRead.Evicted || buffer.EndPosition - chunk!.Position > _options.QueueLimitBytes)
                {
                    Log.TooSlow(logger, context.Connection.RemoteIpAddress, _options.QueueLimitBytes);
                    return;
                }
                if (!ReferenceEquals(chunk.Track, sent))
                {
                    RelayProtocol.WriteMark(writer, chunk.Track);
                    sent = chunk.Track;
                }
                RelayProtocol.WriteAudio(writer, chunk);
                sequence++;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // the edge hung up
        }
        finally
        {
            Interlocked.Decrement(ref _pulls);
            Log.PullEnded(logger, context.Connection.RemoteIpAddress);
        }
    }

    /// <summary>
    /// The chunk a pull starts at: the first at or after <paramref name="from"/> while that is in the ring (an edge back
    /// after an outage goes on from its own live edge); else a burst back from the live edge (a new edge, or one from
    /// before this origin restarted).
    /// </summary>
    internal long StartAt(long? from)
    {
        var burst = buffer.BurstStart(_options.BurstSizeBytes);
        var head = buffer.Head;
        var end = buffer.EndPosition;
        if (from is not { } wanted || wanted < 0 || wanted > end + (_options.BitrateKbps * 1000L / 8 * 2))
        {
            return burst;
        }
        if (wanted >= end)
        {
            return head; // the edge is (a little) ahead: the next chunk
        }
        var sequence = head;
        while (sequence > 0 && buffer.TryRead(sequence - 1, out var before) == ChunkRead.Ok && before!.Position >= wanted)
        {
            sequence--;
        }
        return sequence == 0 || buffer.TryRead(sequence - 1, out _) == ChunkRead.Ok ? sequence : burst;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Edge {Address} pulls the stream from position {Position}.", EventName = "EdgePulling")]
        public static partial void Pulling(ILogger logger, System.Net.IPAddress? address, long position);

        [LoggerMessage(2, LogLevel.Information, "Edge {Address} stopped pulling the stream.", EventName = "EdgePullEnded")]
        public static partial void PullEnded(ILogger logger, System.Net.IPAddress? address);

        [LoggerMessage(3, LogLevel.Warning, "Edge {Address} fell more than {QueueLimit} bytes behind; its pull is cut (it reconnects).", EventName = "EdgePullTooSlow")]
        public static partial void TooSlow(ILogger logger, System.Net.IPAddress? address, int queueLimit);
    }
}
