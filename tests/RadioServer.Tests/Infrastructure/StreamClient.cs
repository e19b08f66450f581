using System.Net.Sockets;
using System.Text;
using RadioServer.Streaming;

namespace RadioServer.Tests.Infrastructure;

/// <summary>An ICY metadata block as received: where in the audio it came, and what it said.</summary>
internal sealed record IcyBlock(long AudioOffset, int Length, string? StreamTitle);

/// <summary>
/// A listener on a raw socket speaking HTTP/1.0, as many radio players do, so the body arrives exactly
/// as sent (no chunked framing). Splits audio from ICY blocks when it asked for metadata.
/// </summary>
internal sealed class StreamClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly MemoryStream _audio = new();
    private readonly List<IcyBlock> _blocks = [];
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<(long Bytes, TaskCompletionSource Signal)> _waiters = [];
    private Task? _reader;
    private byte[] _leftover = [];

    private StreamClient(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    public int StatusCode { get; private set; }

    public Dictionary<string, string> Headers { get; } = new(StringComparer.OrdinalIgnoreCase);

    public int MetaInt { get; private set; }

    /// <summary>Set when the server closed the connection or it failed.</summary>
    public Task Completion => _reader ?? Task.CompletedTask;

    public long AudioBytes
    {
        get
        {
            lock (_gate)
            {
                return _audio.Length;
            }
        }
    }

    public byte[] Audio
    {
        get
        {
            lock (_gate)
            {
                return _audio.ToArray();
            }
        }
    }

    public IReadOnlyList<IcyBlock> Blocks
    {
        get
        {
            lock (_gate)
            {
                return [.. _blocks];
            }
        }
    }

    /// <summary>Connects, sends the request and reads the response headers. <paramref name="read"/>: false for a client that never reads the body.</summary>
    public static async Task<StreamClient> ConnectAsync(Uri url, bool icyMetadata = false, string method = "GET", int? receiveBufferSize = null, bool read = true, string userAgent = "RadioServer.Tests")
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        if (receiveBufferSize is { } size)
        {
            socket.ReceiveBufferSize = size;
        }
        await socket.ConnectAsync(url.Host, url.Port);
        var client = new StreamClient(socket);
        var request = $"{method} {url.PathAndQuery} HTTP/1.0\r\nHost: {url.Authority}\r\nUser-Agent: {userAgent}\r\n" + (icyMetadata ? "Icy-MetaData: 1\r\n" : "") + "\r\n";
        await client._stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        await client.ReadHeadersAsync();
        if (read && method != "HEAD")
        {
            client._reader = Task.Run(client.ReadBodyAsync);
        }
        return client;
    }

    /// <summary>Completes when at least <paramref name="bytes"/> of audio arrived (faults if the stream ends first).</summary>
    public Task WaitForAudioAsync(long bytes, TimeSpan? timeout = null)
    {
        TaskCompletionSource signal;
        lock (_gate)
        {
            if (_audio.Length >= bytes)
            {
                return Task.CompletedTask;
            }
            signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((bytes, signal));
        }
        return signal.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(30));
    }

    private async Task ReadHeadersAsync()
    {
        var buffer = new byte[8192];
        var received = new MemoryStream();
        while (true)
        {
            var n = await _stream.ReadAsync(buffer);
            if (n == 0)
            {
                throw new IOException("Connection closed before the response headers ended.");
            }
            received.Write(buffer, 0, n);
            var all = received.ToArray();
            var end = all.AsSpan().IndexOf("\r\n\r\n"u8);
            if (end < 0)
            {
                continue;
            }
            var lines = Encoding.UTF8.GetString(all, 0, end).Split("\r\n");
            StatusCode = int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
            foreach (var line in lines.Skip(1))
            {
                var colon = line.IndexOf(':');
                Headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
            }
            MetaInt = Headers.TryGetValue("icy-metaint", out var metaInt) ? int.Parse(metaInt, System.Globalization.CultureInfo.InvariantCulture) : 0;
            _leftover = all[(end + 4)..];
            return;
        }
    }

    private async Task ReadBodyAsync()
    {
        var untilMeta = MetaInt;
        var metaRemaining = -1; // -1: expecting audio (or the length byte when untilMeta is 0)
        var meta = new MemoryStream();
        var buffer = new byte[16384];
        var pending = _leftover;
        try
        {
            while (true)
            {
                ReadOnlyMemory<byte> data;
                if (pending.Length > 0)
                {
                    data = pending;
                    pending = [];
                }
                else
                {
                    var n = await _stream.ReadAsync(buffer, _stop.Token);
                    if (n == 0)
                    {
                        return;
                    }
                    data = buffer.AsMemory(0, n);
                }
                lock (_gate)
                {
                    var span = data.Span;
                    while (!span.IsEmpty)
                    {
                        if (MetaInt == 0)
                        {
                            _audio.Write(span);
                            span = [];
                        }
                        else if (metaRemaining > 0)
                        {
                            var take = Math.Min(metaRemaining, span.Length);
                            meta.Write(span[..take]);
                            span = span[take..];
                            metaRemaining -= take;
                            if (metaRemaining == 0)
                            {
                                _blocks.Add(new IcyBlock(_audio.Length, (int)meta.Length, IcyMetadata.ParseStreamTitle(meta.ToArray())));
                                metaRemaining = -1;
                                untilMeta = MetaInt;
                            }
                        }
                        else if (untilMeta == 0)
                        {
                            var length = span[0] * 16;
                            span = span[1..];
                            if (length == 0)
                            {
                                _blocks.Add(new IcyBlock(_audio.Length, 0, null));
                                untilMeta = MetaInt;
                            }
                            else
                            {
                                meta.SetLength(0);
                                metaRemaining = length;
                            }
                        }
                        else
                        {
                            var take = Math.Min(untilMeta, span.Length);
                            _audio.Write(span[..take]);
                            span = span[take..];
                            untilMeta -= take;
                        }
                    }
                    for (var i = _waiters.Count - 1; i >= 0; i--)
                    {
                        if (_audio.Length >= _waiters[i].Bytes)
                        {
                            _waiters[i].Signal.TrySetResult();
                            _waiters.RemoveAt(i);
                        }
                    }
                }
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            lock (_gate)
            {
                foreach (var (_, signal) in _waiters)
                {
                    signal.TrySetException(new IOException($"The stream ended after {_audio.Length} audio bytes."));
                }
                _waiters.Clear();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _socket.Dispose();
        if (_reader is not null)
        {
            await _reader;
        }
        _stream.Dispose();
        _stop.Dispose();
    }
}
