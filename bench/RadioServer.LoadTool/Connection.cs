namespace RadioServer.LoadTool;

internal enum ConnKind : byte
{
    /// <summary>A listener that reads continuously and is measured.</summary>
    Measured,
    /// <summary>Extra: connects, sends the request, never reads.</summary>
    Stalled,
    /// <summary>Extra: hangs up after the first ~4 KiB of the burst.</summary>
    Hangup,
}

internal enum ConnState : byte
{
    Pending,
    Connecting,
    Sending,
    Headers,
    Body,
    Failed,
    HungUp,
    Dropped,
    ClosedAtEnd,
}

internal enum FailKind : byte
{
    None,
    SocketFailed,
    Refused,
    ConnectTimeout,
    ConnectFailed,
    SendFailed,
    ResponseTimeout,
    HttpStatus,
    BadResponse,
    Reset,
    Eof,
    RecvFailed,
}

/// <summary>One connection's state, kept in an array (no object per connection, nothing allocated per read).</summary>
internal struct Connection
{
    public int Fd;
    public ConnKind Kind;
    public ConnState State;
    public FailKind Fail;
    public bool Stalled;
    public bool AliveAtEnd;
    public bool LowatSet;
    public int Errno;
    public int RequestSent;

    // Response header parser (byte at a time, headers only).
    public int HeaderBytes;
    public int LineNo;
    public int LinePos;
    public int StatusCode;
    public byte HeaderFlags;
    public int MetaIntValue;

    // ICY metadata stripping.
    public int MetaInt;
    public int AudioUntilMeta;
    public int MetaLeft;
    public byte MetaPhase; // 0 audio, 1 length byte next, 2 inside a block
    public int MetaBlocks;

    // Stopwatch ticks (0 = not yet).
    public long StartTicks;
    public long ConnectedTicks;
    public long FirstByteTicks;
    public long Audio16KTicks;
    public long LastRecvTicks;
    public long EndTicks;

    public long TotalBytes;
    public long AudioBytes;
}
