using System.Diagnostics;
using System.Runtime.InteropServices;

namespace RadioServer.LoadTool;

/// <summary>
/// One epoll loop on its own thread, owning the connections whose global index is loopId mod loops.
/// Level-triggered, one recv per readiness into one shared 256 KiB buffer; nothing allocated while running.
/// </summary>
internal sealed unsafe class EventLoop : IDisposable
{
    public const int RecvBufferSize = 256 * 1024;
    private const int MaxEvents = 1024;
    private const int MaxOpensPerTurn = 256;
    private const int HangupAfterBytes = 4096;
    private const int MaxHeaderBytes = 16 * 1024;
    private const int AudioMark = 16 * 1024;
    private const int DiscardMax = 1 << 20;
    private static readonly byte[] MetaIntName = "icy-metaint"u8.ToArray();

    private readonly LoadOptions _o;
    private readonly int _loopId;
    private readonly int _loops;
    private readonly Connection[] _conns;
    private readonly byte* _buffer;
    private readonly byte* _events;
    private readonly byte* _request;
    private readonly int _requestLength;
    private readonly byte* _address;
    private readonly byte* _sources;
    private readonly int _epoll;
    private readonly long _t0;
    private readonly long _end;
    private readonly double _ticksPerConnection;
    private readonly long _freq = Stopwatch.Frequency;
    private readonly long _timeoutTicks;
    private readonly long _aliveWindowTicks;
    private readonly double _bytesPerSecond;
    private bool _draining;
    private int _next;

    public EventLoop(LoadOptions o, int loopId, int loops, ConnKind[] kinds, byte[] request, byte[] sockaddr, long t0, long end)
    {
        _o = o;
        _loopId = loopId;
        _loops = loops;
        var count = (kinds.Length - loopId + loops - 1) / loops;
        _conns = new Connection[count];
        for (var i = 0; i < count; i++)
        {
            _conns[i].Fd = -1;
            _conns[i].Kind = kinds[GlobalIndex(i)];
        }
        _buffer = (byte*)NativeMemory.AlignedAlloc(RecvBufferSize, 4096);
        _events = (byte*)NativeMemory.Alloc((nuint)(MaxEvents * Native.EpollEventSize));
        _request = (byte*)NativeMemory.Alloc((nuint)request.Length);
        request.CopyTo(new Span<byte>(_request, request.Length));
        _requestLength = request.Length;
        _address = (byte*)NativeMemory.Alloc((nuint)sockaddr.Length);
        sockaddr.CopyTo(new Span<byte>(_address, sockaddr.Length));
        if (o.Sources > 1)
        {
            if (sockaddr[4] != 127)
            {
                throw new ArgumentException("--sources needs a loopback (127.x.x.x) URL");
            }
            // sockaddr_in for 127.0.0.1 .. 127.0.0.K, port 0 (chosen at connect, IP_BIND_ADDRESS_NO_PORT).
            _sources = (byte*)NativeMemory.AllocZeroed((nuint)(16 * o.Sources));
            for (var k = 0; k < o.Sources; k++)
            {
                var a = _sources + (16 * k);
                a[0] = Native.AF_INET;
                a[4] = 127;
                a[7] = (byte)(k + 1);
            }
        }
        _epoll = Native.EpollCreate1(Native.EPOLL_CLOEXEC);
        if (_epoll < 0)
        {
            throw new InvalidOperationException($"epoll_create1 failed: errno {Native.Errno}");
        }
        _t0 = t0;
        _end = end;
        _ticksPerConnection = o.Rate > 0 ? (double)_freq / o.Rate : 0;
        _timeoutTicks = 10 * _freq;
        _bytesPerSecond = o.BitrateKbps * 1000.0 / 8;
        var lowatSeconds = o.RcvLowat > 0 ? o.RcvLowat / _bytesPerSecond : 0;
        _aliveWindowTicks = (long)(Math.Max(3, (2 * lowatSeconds) + 1) * _freq);
    }

    public ReadOnlySpan<Connection> Connections => _conns;

    public long EndTicks { get; private set; }

    public long Waits { get; private set; }

    public long RecvCalls { get; private set; }

    public Exception? Failure { get; private set; }

    private int GlobalIndex(int local) => (local * _loops) + _loopId;

    private long DueTicks(int local) => _t0 + (long)(GlobalIndex(local) * _ticksPerConnection);

    public void Run()
    {
        try
        {
            Loop();
            Finish();
        }
        catch (Exception ex)
        {
            Failure = ex;
        }
    }

    private void Loop()
    {
        var nextCheck = _t0 + _freq;
        while (true)
        {
            var now = Stopwatch.GetTimestamp();
            if (now >= _end)
            {
                return;
            }
            var opened = 0;
            while (_next < _conns.Length && opened < MaxOpensPerTurn && DueTicks(_next) <= now)
            {
                Open(ref _conns[_next], _next);
                _next++;
                opened++;
            }
            if (now >= nextCheck)
            {
                Check(now);
                nextCheck += _freq;
                if (nextCheck <= now)
                {
                    nextCheck = now + _freq;
                }
            }
            var wake = Math.Min(_end, nextCheck);
            if (_next < _conns.Length)
            {
                wake = Math.Min(wake, DueTicks(_next));
            }
            var timeoutMs = opened >= MaxOpensPerTurn ? 0 : (int)Math.Clamp(((wake - now) * 1000 + _freq - 1) / _freq, 0, 1000);
            Wait(timeoutMs);
        }
    }

    private void Wait(int timeoutMs)
    {
        var n = Native.EpollWait(_epoll, _events, MaxEvents, timeoutMs);
        if (n < 0)
        {
            var errno = Native.Errno;
            if (errno == Native.EINTR)
            {
                return;
            }
            throw new InvalidOperationException($"epoll_wait failed: errno {errno}");
        }
        var t = Stopwatch.GetTimestamp();
        Waits++;
        var stride = Native.EpollEventSize;
        var dataOffset = Native.EpollDataOffset;
        for (var i = 0; i < n; i++)
        {
            var ev = _events + (i * stride);
            var index = (int)*(ulong*)(ev + dataOffset);
            Handle(ref _conns[index], index, t);
        }
    }

    private void Open(ref Connection c, int index)
    {
        var t = Stopwatch.GetTimestamp();
        c.StartTicks = t;
        var fd = Native.Socket(Native.AF_INET, Native.SOCK_STREAM | Native.SOCK_NONBLOCK | Native.SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            Fail(ref c, FailKind.SocketFailed, Native.Errno, t);
            return;
        }
        c.Fd = fd;
        if (_o.RcvBuf > 0)
        {
            var v = _o.RcvBuf;
            Native.SetSockOpt(fd, Native.SOL_SOCKET, Native.SO_RCVBUF, &v, sizeof(int));
        }
        if (_sources != null)
        {
            var one = 1;
            Native.SetSockOpt(fd, Native.IPPROTO_IP, Native.IP_BIND_ADDRESS_NO_PORT, &one, sizeof(int));
            if (Native.Bind(fd, _sources + (16 * (GlobalIndex(index) % _o.Sources)), 16) != 0)
            {
                Fail(ref c, FailKind.ConnectFailed, Native.Errno, t);
                return;
            }
        }
        if (Native.Connect(fd, _address, 16) != 0)
        {
            var errno = Native.Errno;
            if (errno != Native.EINPROGRESS)
            {
                Fail(ref c, errno == Native.ECONNREFUSED ? FailKind.Refused : FailKind.ConnectFailed, errno, t);
                return;
            }
        }
        c.State = ConnState.Connecting;
        if (Native.EpollCtl(_epoll, Native.EPOLL_CTL_ADD, fd, Native.EPOLLOUT, index) != 0)
        {
            Fail(ref c, FailKind.ConnectFailed, Native.Errno, t);
        }
    }

    private void Handle(ref Connection c, int index, long t)
    {
        switch (c.State)
        {
            case ConnState.Connecting:
                OnConnected(ref c, index, t);
                break;
            case ConnState.Sending:
                SendRequest(ref c, index, t);
                break;
            case ConnState.Headers or ConnState.Body:
                if (c.Kind == ConnKind.Stalled && !_draining)
                {
                    // Registered for hang-up only: the server closed or reset it while it was not reading.
                    CloseAs(ref c, ConnState.Dropped, t);
                }
                else
                {
                    Read(ref c, t);
                }
                break;
            default:
                break;
        }
    }

    private void OnConnected(ref Connection c, int index, long t)
    {
        int error = 0;
        uint len = sizeof(int);
        if (Native.GetSockOpt(c.Fd, Native.SOL_SOCKET, Native.SO_ERROR, &error, &len) != 0)
        {
            error = Native.Errno;
        }
        if (error != 0)
        {
            Fail(ref c, error switch
            {
                Native.ECONNREFUSED => FailKind.Refused,
                Native.ETIMEDOUT => FailKind.ConnectTimeout,
                _ => FailKind.ConnectFailed,
            }, error, t);
            return;
        }
        c.ConnectedTicks = t;
        c.State = ConnState.Sending;
        SendRequest(ref c, index, t);
    }

    private void SendRequest(ref Connection c, int index, long t)
    {
        var r = Native.Send(c.Fd, _request + c.RequestSent, (nuint)(_requestLength - c.RequestSent), Native.MSG_NOSIGNAL);
        if (r < 0)
        {
            var errno = Native.Errno;
            if (errno is not (Native.EAGAIN or Native.EINTR))
            {
                Fail(ref c, errno is Native.ECONNRESET or Native.EPIPE ? FailKind.Reset : FailKind.SendFailed, errno, t);
            }
            return;
        }
        c.RequestSent += (int)r;
        if (c.RequestSent < _requestLength)
        {
            return; // still registered for EPOLLOUT
        }
        c.State = ConnState.Headers;
        var events = c.Kind == ConnKind.Stalled ? Native.EPOLLRDHUP : Native.EPOLLIN | Native.EPOLLRDHUP;
        if (Native.EpollCtl(_epoll, Native.EPOLL_CTL_MOD, c.Fd, events, index) != 0)
        {
            Fail(ref c, FailKind.RecvFailed, Native.Errno, t);
        }
    }

    private void Read(ref Connection c, long t)
    {
        var max = RecvBufferSize;
        if (c.Kind == ConnKind.Hangup && !_draining)
        {
            max = (int)Math.Max(1, HangupAfterBytes - c.TotalBytes);
        }
        nint r;
        if (!_o.Copy && !_draining && c.Kind == ConnKind.Measured && c.State == ConnState.Body && (c.MetaInt == 0 || c.MetaPhase == 0))
        {
            // Audio only up to the next metadata block: MSG_TRUNC makes the kernel discard it without copying.
            var audio = c.MetaInt == 0 ? DiscardMax : Math.Min(DiscardMax, c.AudioUntilMeta);
            r = Native.Recv(c.Fd, _buffer, (nuint)audio, Native.MSG_TRUNC);
            RecvCalls++;
            if (r > 0)
            {
                Discarded(ref c, (int)r, t);
                return;
            }
        }
        else
        {
            r = Native.Recv(c.Fd, _buffer, (nuint)max, 0);
            RecvCalls++;
            if (r > 0)
            {
                Received(ref c, (int)r, t);
                return;
            }
        }
        var errno = r == 0 ? 0 : Native.Errno;
        if (errno is Native.EAGAIN or Native.EINTR)
        {
            return;
        }
        if (_draining)
        {
            CloseAs(ref c, ConnState.Dropped, t); // EOF or reset: the server had dropped it
            return;
        }
        if (r == 0)
        {
            Fail(ref c, FailKind.Eof, 0, t);
            return;
        }
        Fail(ref c, errno == Native.ECONNRESET ? FailKind.Reset : FailKind.RecvFailed, errno, t);
    }

    private void Received(ref Connection c, int length, long t)
    {
        if (c.FirstByteTicks == 0)
        {
            c.FirstByteTicks = t;
        }
        c.TotalBytes += length;
        c.LastRecvTicks = t;
        if (_draining)
        {
            return;
        }
        var p = _buffer;
        if (c.State == ConnState.Headers)
        {
            var used = ParseHeaders(ref c, p, length, t);
            if (c.State != ConnState.Body)
            {
                return; // more headers to come, or failed
            }
            p += used;
            length -= used;
        }
        if (length > 0)
        {
            Body(ref c, p, length, t);
        }
        if (c.Kind == ConnKind.Hangup && c.TotalBytes >= HangupAfterBytes)
        {
            CloseAs(ref c, ConnState.HungUp, t); // unread burst still queued: the kernel sends a reset
        }
    }

    /// <summary>Audio bytes taken with MSG_TRUNC (never more than up to the next metadata block).</summary>
    private void Discarded(ref Connection c, int length, long t)
    {
        c.TotalBytes += length;
        c.LastRecvTicks = t;
        c.AudioBytes += length;
        if (c.MetaInt > 0)
        {
            c.AudioUntilMeta -= length;
            if (c.AudioUntilMeta == 0)
            {
                c.MetaPhase = 1;
            }
        }
        AudioMarks(ref c, t);
    }

    /// <summary>Feeds header bytes; returns how many were consumed. Moves to Body at the blank line.</summary>
    private int ParseHeaders(ref Connection c, byte* p, int length, long t)
    {
        const byte inStatusCode = 1, statusDone = 2, nameMatches = 4, inValue = 8;
        for (var i = 0; i < length; i++)
        {
            var b = p[i];
            if (++c.HeaderBytes > MaxHeaderBytes)
            {
                Fail(ref c, FailKind.BadResponse, 0, t);
                return i;
            }
            if (b == '\r')
            {
                continue;
            }
            if (b == '\n')
            {
                if (c.LineNo == 0)
                {
                    if (c.StatusCode != 200)
                    {
                        Fail(ref c, c.StatusCode == 0 ? FailKind.BadResponse : FailKind.HttpStatus, c.StatusCode, t);
                        return i + 1;
                    }
                }
                else if (c.LinePos == 0)
                {
                    c.State = ConnState.Body;
                    if (c.MetaInt > 0)
                    {
                        c.AudioUntilMeta = c.MetaInt;
                    }
                    return i + 1;
                }
                else if ((c.HeaderFlags & inValue) != 0 && _o.Icy)
                {
                    c.MetaInt = c.MetaIntValue;
                }
                c.LineNo++;
                c.LinePos = 0;
                c.HeaderFlags = nameMatches;
                continue;
            }
            if (c.LineNo == 0)
            {
                // "HTTP/1.0 200 OK" or "ICY 200 OK": the digits after the first space.
                if ((c.HeaderFlags & statusDone) == 0)
                {
                    if ((c.HeaderFlags & inStatusCode) == 0)
                    {
                        if (b == ' ')
                        {
                            c.HeaderFlags |= inStatusCode;
                        }
                    }
                    else if (b is >= (byte)'0' and <= (byte)'9' && c.StatusCode < 1000)
                    {
                        c.StatusCode = (c.StatusCode * 10) + (b - '0');
                    }
                    else if (c.StatusCode > 0)
                    {
                        c.HeaderFlags |= statusDone;
                    }
                }
            }
            else if (c.LinePos < MetaIntName.Length)
            {
                var lower = b is >= (byte)'A' and <= (byte)'Z' ? (byte)(b | 0x20) : b;
                if (lower != MetaIntName[c.LinePos])
                {
                    c.HeaderFlags &= unchecked((byte)~nameMatches);
                }
            }
            else if (c.LinePos == MetaIntName.Length)
            {
                if (b == ':' && (c.HeaderFlags & nameMatches) != 0)
                {
                    c.HeaderFlags |= inValue;
                    c.MetaIntValue = 0;
                }
            }
            else if ((c.HeaderFlags & inValue) != 0 && b is >= (byte)'0' and <= (byte)'9' && c.MetaIntValue < 10_000_000)
            {
                c.MetaIntValue = (c.MetaIntValue * 10) + (b - '0');
            }
            c.LinePos++;
        }
        return length;
    }

    /// <summary>Counts audio bytes, skipping ICY metadata blocks when the server announced icy-metaint.</summary>
    private void Body(ref Connection c, byte* p, int length, long t)
    {
        if (c.MetaInt == 0)
        {
            c.AudioBytes += length;
        }
        else
        {
            while (length > 0)
            {
                switch (c.MetaPhase)
                {
                    case 0:
                        {
                            var n = Math.Min(length, c.AudioUntilMeta);
                            c.AudioBytes += n;
                            c.AudioUntilMeta -= n;
                            p += n;
                            length -= n;
                            if (c.AudioUntilMeta == 0)
                            {
                                c.MetaPhase = 1;
                            }
                            break;
                        }
                    case 1:
                        c.MetaLeft = *p * 16;
                        p++;
                        length--;
                        c.MetaBlocks++;
                        if (c.MetaLeft == 0)
                        {
                            c.MetaPhase = 0;
                            c.AudioUntilMeta = c.MetaInt;
                        }
                        else
                        {
                            c.MetaPhase = 2;
                        }
                        break;
                    default:
                        {
                            var n = Math.Min(length, c.MetaLeft);
                            c.MetaLeft -= n;
                            p += n;
                            length -= n;
                            if (c.MetaLeft == 0)
                            {
                                c.MetaPhase = 0;
                                c.AudioUntilMeta = c.MetaInt;
                            }
                            break;
                        }
                }
            }
        }
        AudioMarks(ref c, t);
    }

    private void AudioMarks(ref Connection c, long t)
    {
        if (c.Audio16KTicks == 0 && c.AudioBytes >= AudioMark)
        {
            c.Audio16KTicks = t;
            if (_o.RcvLowat > 0 && c.Kind == ConnKind.Measured)
            {
                // Only now, so the first byte and the first 16 KiB are timed without it.
                var v = _o.RcvLowat;
                c.LowatSet = Native.SetSockOpt(c.Fd, Native.SOL_SOCKET, Native.SO_RCVLOWAT, &v, sizeof(int)) == 0;
            }
        }
    }

    /// <summary>Once a second: timeouts, and the stall rule for measured listeners.</summary>
    private void Check(long now)
    {
        var burst = (double)_o.BurstBytes;
        for (var i = 0; i < _next; i++)
        {
            ref var c = ref _conns[i];
            switch (c.State)
            {
                case ConnState.Connecting:
                    if (now - c.StartTicks > _timeoutTicks)
                    {
                        Fail(ref c, FailKind.ConnectTimeout, 0, now);
                    }
                    break;
                case ConnState.Sending:
                case ConnState.Headers when c.Kind != ConnKind.Stalled:
                    if (now - c.StartTicks > _timeoutTicks)
                    {
                        Fail(ref c, FailKind.ResponseTimeout, 0, now);
                    }
                    break;
                case ConnState.Body when c.Kind == ConnKind.Measured && !c.Stalled:
                    {
                        var elapsed = (double)(now - c.FirstByteTicks) / _freq;
                        if (elapsed >= 10)
                        {
                            // The burst arrives ahead of real time: take it off before comparing with the clock.
                            var expected = (elapsed - 2) * _bytesPerSecond;
                            if (c.AudioBytes - burst < expected && c.LowatSet)
                            {
                                Read(ref c, now); // below SO_RCVLOWAT: count what is waiting in the kernel first
                            }
                            if (c.State == ConnState.Body && c.AudioBytes - burst < expected)
                            {
                                c.Stalled = true;
                            }
                        }
                        break;
                    }
                default:
                    break;
            }
        }
    }

    /// <summary>At the end: note who is alive, close the readers, then drain the stalled extras to see if the server dropped them.</summary>
    private void Finish()
    {
        var now = Stopwatch.GetTimestamp();
        EndTicks = now;
        var stalledOpen = 0;
        for (var i = 0; i < _conns.Length; i++)
        {
            ref var c = ref _conns[i];
            if (c.LowatSet && c.State == ConnState.Body)
            {
                Read(ref c, now); // what sits below SO_RCVLOWAT counts too
            }
            if (c.Kind == ConnKind.Measured && c.State == ConnState.Body && now - c.LastRecvTicks <= _aliveWindowTicks)
            {
                c.AliveAtEnd = true;
            }
            if (c.Fd < 0)
            {
                continue;
            }
            if (c.Kind == ConnKind.Stalled && c.State is ConnState.Headers or ConnState.Body)
            {
                stalledOpen++;
                continue;
            }
            CloseAs(ref c, c.State is ConnState.Headers or ConnState.Body ? ConnState.ClosedAtEnd : c.State, now);
        }
        if (stalledOpen == 0)
        {
            return;
        }
        // A dropped connection ends with EOF or a reset once its queued data is read; a live one keeps flowing.
        _draining = true;
        for (var i = 0; i < _conns.Length; i++)
        {
            ref var c = ref _conns[i];
            if (c.Fd >= 0 && c.Kind == ConnKind.Stalled)
            {
                Native.EpollCtl(_epoll, Native.EPOLL_CTL_MOD, c.Fd, Native.EPOLLIN | Native.EPOLLRDHUP, i);
            }
        }
        var deadline = now + (2 * _freq);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            Wait(50);
        }
        for (var i = 0; i < _conns.Length; i++)
        {
            ref var c = ref _conns[i];
            if (c.Fd >= 0)
            {
                CloseAs(ref c, ConnState.ClosedAtEnd, deadline);
            }
        }
    }

    private void Fail(ref Connection c, FailKind kind, int errno, long t)
    {
        c.Fail = kind;
        c.Errno = errno;
        CloseAs(ref c, ConnState.Failed, t);
    }

    private static void CloseAs(ref Connection c, ConnState state, long t)
    {
        if (c.Fd >= 0)
        {
            Native.Close(c.Fd); // also leaves the epoll set
            c.Fd = -1;
        }
        c.State = state;
        c.EndTicks = t;
    }

    public void Dispose()
    {
        for (var i = 0; i < _conns.Length; i++)
        {
            if (_conns[i].Fd >= 0)
            {
                Native.Close(_conns[i].Fd);
                _conns[i].Fd = -1;
            }
        }
        if (_epoll >= 0)
        {
            Native.Close(_epoll);
        }
        NativeMemory.AlignedFree(_buffer);
        NativeMemory.Free(_events);
        NativeMemory.Free(_request);
        NativeMemory.Free(_address);
        NativeMemory.Free(_sources);
    }
}
