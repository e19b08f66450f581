using System.Net;

namespace RadioServer.Streaming.Listeners;

/// <summary>
/// One listener as the station knows it: who it is, how far it has been sent (a position on the stream), and
/// whether and why it is leaving. It sends nothing itself: a <see cref="DirectSender"/> (the Broadcaster's
/// sendmsg path) or a <see cref="PipeSender"/> (Kestrel's response pipe) writes its bytes and reports progress
/// here; the <see cref="SlowListeners"/> rule, an operator or a hang-up ends it.
/// </summary>
internal sealed class ListenerSession(long id, IPAddress? address, string userAgent, int metaInt, DateTimeOffset connectedAt, Action? abort)
{
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _position = -1;
    private long _bytesSent;
    private int _leaveReason = -1;
    private volatile bool _stopped;

    public long Id { get; } = id;

    /// <summary>Audio bytes between ICY blocks; 0 when the player did not send <c>Icy-MetaData: 1</c>.</summary>
    public int MetaInt { get; } = metaInt;

    public DateTimeOffset ConnectedAt { get; } = connectedAt;

    /// <summary>The player's address, kept for the operators' listener list (shown anonymised unless configured).</summary>
    public IPAddress? Address { get; } = address;

    public string UserAgent { get; } = userAgent;

    /// <summary>Another server relaying the stream (<see cref="RelayAgents"/>): counted apart from the listeners.</summary>
    public bool IsRelay { get; } = RelayAgents.IsRelay(userAgent);

    /// <summary>
    /// The player's own token for this request (the query's <c>t</c>; the listener page sends a random one), by which
    /// it asks where its stream began (<see cref="ListenerRegistry.Tagged"/>); null without one.
    /// </summary>
    public string? Tag { get; init; }

    /// <summary>Stream position of the first audio byte the listener was sent (its burst's start); -1 until known.</summary>
    public long StartPosition { get; internal set; } = -1;

    /// <summary>Stream position (bytes since the station went on air) up to which audio was handed to the connection; -1 before the first chunk.</summary>
    public long Position => Volatile.Read(ref _position);

    /// <summary>Bytes written, metadata included.</summary>
    public long BytesSent => Volatile.Read(ref _bytesSent);

    public LeaveReason? LeaveReason => _leaveReason < 0 ? null : (LeaveReason)_leaveReason;

    /// <summary>How far behind the live edge the listener was when it was dropped as too slow (bytes).</summary>
    public long BehindWhenDropped { get; set; }

    /// <summary>Completes when the session was stopped (by its sender, an operator, the slow-listener rule or the server stopping).</summary>
    public Task Ended => _ended.Task;

    /// <summary>True once the session must send nothing more.</summary>
    public bool Stopped => _stopped;

    /// <summary>Records why the session ends; the first reason wins. Returns false if one was already set.</summary>
    public bool TrySetLeaveReason(LeaveReason reason) => Interlocked.CompareExchange(ref _leaveReason, (int)reason, -1) == -1;

    /// <summary>Its sender moved it on: audio up to stream <paramref name="position"/> was handed over, <paramref name="bytes"/> more written. One sender at a time.</summary>
    internal void Sent(long position, long bytes)
    {
        if (position >= 0)
        {
            Volatile.Write(ref _position, position);
        }
        Volatile.Write(ref _bytesSent, _bytesSent + bytes);
    }

    /// <summary>Ends the session: nothing more is sent, and whoever waits on <see cref="Ended"/> goes on.</summary>
    internal void Stop(LeaveReason reason)
    {
        TrySetLeaveReason(reason);
        _stopped = true;
        _ended.TrySetResult();
    }

    /// <summary>Stops the session and breaks its connection where its sender waits on it (a drop from outside: too slow, kicked).</summary>
    internal void Abort(LeaveReason reason)
    {
        Stop(reason);
        abort?.Invoke();
    }
}
