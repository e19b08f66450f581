using System.Net;
using System.Net.Sockets;

namespace RadioServer.Live;

/// <summary>
/// One connected source client: its socket read on a task of its own, the bytes decoded (<see cref="ILiveDecoder"/>: MP3 or Ogg)
/// into the live buffer, at the pace the air chain takes them (the buffer's high water holds the reads back, and TCP
/// holds the client back). Ends when the client closes, sends nothing for the source timeout, or sends what cannot
/// be decoded; the end is reported to <see cref="LiveSources"/>, which frees the mount.
/// </summary>
internal sealed class LiveSource(LiveSources owner, Socket socket, IPAddress? address, SourceRequest request, ILiveDecoder decoder, TimeProvider time, TimeSpan timeout, ILogger logger)
{
    public Socket Socket { get; } = socket;

    public IPAddress? Address { get; } = address;

    public SourceRequest Request { get; } = request;

    public DateTimeOffset Since { get; } = time.GetUtcNow();

    public ILiveDecoder Decoder { get; } = decoder;

    private long _bytesRead;

    public long BytesRead => Interlocked.Read(ref _bytesRead);

    public async Task RunAsync(byte[] accepted)
    {
        var reason = "the client closed the connection";
        Decoder.TitleFound += owner.SetTitle; // Ogg comment headers: the title as the stream gives it, as updinfo does for MP3
        try
        {
            await Socket.SendAsync(accepted, SocketFlags.None);
            var buffer = new byte[16 * 1024];
            using var quiet = new CancellationTokenSource(timeout, time);
            while (true)
            {
                quiet.CancelAfter(timeout);
                var read = await Socket.ReceiveAsync(buffer, SocketFlags.None, quiet.Token);
                if (read == 0)
                {
                    break;
                }
                Interlocked.Add(ref _bytesRead, read);
                Task? room = null;
                Decoder.Append(buffer.AsSpan(0, read), samples =>
                {
                    var wait = owner.Buffer.WriteAsync(samples);
                    if (!wait.IsCompleted)
                    {
                        room = wait;
                    }
                });
                if (room is not null)
                {
                    await room; // the buffer is full: stop reading, and TCP holds the client back
                }
            }
        }
        catch (OperationCanceledException)
        {
            reason = $"nothing was sent for {timeout.TotalSeconds:0} s";
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
            owner.Ended(this, reason);
        }
    }
}
