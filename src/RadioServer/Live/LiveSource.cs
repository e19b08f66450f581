using System.Net;
using System.Net.Sockets;

namespace RadioServer.Live;

/// <summary>
/// One connected source client: its socket read on a task of its own, the bytes decoded (<see cref="ILiveDecoder"/>: MP3 or Ogg)
/// into its own <see cref="LiveBuffer"/>, at the pace the air chain takes them (the buffer's high water holds the reads
/// back, and TCP holds the client back) — on air or in standby alike. Ends when the client closes, sends nothing for the
/// source timeout, sends what its decoder refuses, or is ended (slot end, an operator, the host); the end is reported to
/// <see cref="LiveSources"/>, which frees the mount.
/// </summary>
internal sealed class LiveSource(LiveSources owner, Socket socket, IPAddress? address, SourceRequest request, ILiveDecoder decoder, LiveSession? session, TimeProvider time, TimeSpan timeout, ILogger logger)
{
    private static long s_ids;
    private readonly CancellationTokenSource _ended = new();
    private string? _endReason;
    private long _bytesRead;
    private volatile bool _disconnected;

    /// <summary>A number operators use to end it (unique in this run).</summary>
    public long Id { get; } = Interlocked.Increment(ref s_ids);

    public Socket Socket { get; } = socket;

    public IPAddress? Address { get; } = address;

    public SourceRequest Request { get; } = request;

    /// <summary>The host's slot session; null for the master source (the operator's), which may go live at any time.</summary>
    public LiveSession? Session { get; } = session;

    public bool IsMaster => Session is null;

    /// <summary>Who connected: the host's account name, or <c>source</c> for the master.</summary>
    public string Account => Session?.Host ?? "source";

    public DateTimeOffset Since { get; } = time.GetUtcNow();

    public ILiveDecoder Decoder { get; } = decoder;

    public LiveBuffer Buffer { get; } = new();

    /// <summary>The level of what it sent, peak dBFS over the last few hundred ms (measured on air or in standby).</summary>
    public double LevelDb { get; set; } = double.NegativeInfinity;

    /// <summary>The master's title (its ice-name, then updinfo); a host's title is its session's.</summary>
    public Library.TrackInfo? Title { get; set; }

    // The air chain's own (LiveDirector): metering, stalls and silence, in sample frames.
    internal float Peak { get; set; }

    internal bool Flowing { get; set; }

    internal int StarvedFrames { get; set; }

    internal int SilentFrames { get; set; }

    public long BytesRead => Interlocked.Read(ref _bytesRead);

    /// <summary>The socket is closed: what it buffered still plays out.</summary>
    public bool Disconnected => _disconnected;

    /// <summary>Ends the source (the reading stops, the socket closes) with <paramref name="reason"/> for the log.</summary>
    public void End(string reason)
    {
        Interlocked.CompareExchange(ref _endReason, reason, null);
        try
        {
            _ended.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public async Task RunAsync(byte[] accepted)
    {
        var reason = "the client closed the connection";
        try
        {
            await Socket.SendAsync(accepted, SocketFlags.None);
            var buffer = new byte[16 * 1024];
            using var quiet = new CancellationTokenSource(timeout, time); // on the station's clock: tests step it
            using var either = CancellationTokenSource.CreateLinkedTokenSource(quiet.Token, _ended.Token);
            Decoder.TitleFound += owner.TitleFrom(this);
            while (true)
            {
                quiet.CancelAfter(timeout);
                var read = await Socket.ReceiveAsync(buffer, SocketFlags.None, either.Token);
                if (read == 0)
                {
                    break;
                }
                Interlocked.Add(ref _bytesRead, read);
                Task? room = null;
                Decoder.Append(buffer.AsSpan(0, read), samples =>
                {
                    var wait = Buffer.WriteAsync(samples);
                    if (!wait.IsCompleted)
                    {
                        room = wait;
                    }
                });
                if (room is not null)
                {
                    await room.WaitAsync(_ended.Token); // the buffer is full: stop reading, and TCP holds the client back
                }
            }
        }
        catch (OperationCanceledException)
        {
            reason = Volatile.Read(ref _endReason) ?? $"nothing was sent for {timeout.TotalSeconds:0} s";
        }
        catch (InvalidDataException ex)
        {
            reason = ex.Message;
        }
        catch (SocketException ex)
        {
            reason = $"the connection broke ({ex.SocketErrorCode})";
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A failure is this source's alone: the air carries on with automation.
            logger.LogError(ex, "Live source from {Address} failed.", Address);
            reason = "it failed: " + ex.Message;
        }
        finally
        {
            Buffer.Complete();
            _disconnected = true;
            owner.Ended(this, reason);
            (Decoder as IDisposable)?.Dispose(); // the MP3 decoder's libmpg123 handle
        }
    }
}
