using RadioServer.Audio;
using RadioServer.Library;
using RadioServer.Live;
using RadioServer.Scheduling;
using RadioServer.Streaming;

namespace RadioServer.Operations;

// What operators read: GET /api/status (always arrays, never Icecast's object-or-array), the listener list,
// the play history, and the operators' hub. camelCase JSON, documented in docs/api.md. Each feature's section
// of the status is that feature's own record (EncoderStatus in Audio, ListenerStats in Streaming, ...).

/// <summary>Everything about the station's health at one instant.</summary>
public sealed record StatusReport(
    ServerStatus Server,
    OnAirMessage OnAir,
    TrackMessage? NowPlaying,
    EncoderStatus Encoder,
    ListenerStats Listeners,
    IReadOnlyList<MountStatus> Mounts,
    DeadAirStatus DeadAir,
    LibraryStatus Library,
    ScheduleStatus Schedule,
    HistoryStatus History,
    IReadOnlyList<AlarmMessage> Alarms,
    LiveStatus Live,
    RadioServer.Audio.Loudness.LoudnessStatus Loudness,
    RadioServer.Backplane.BackplaneStatus Redis,
    RadioServer.Edges.EdgesStatus? Edges = null,
    RadioServer.Hls.HlsStatus? Hls = null);

public sealed record ServerStatus(string Station, string Version, DateTimeOffset StartedAt, double UptimeSeconds, DateTimeOffset Now);

public sealed record HistoryStatus(bool Healthy, long Written, int Pending, long WriteErrors, string? LastError, DateTimeOffset? LastErrorAt);

/// <summary>An alarm raised or cleared (kind: deadAir, history, recording, origin).</summary>
public sealed record AlarmMessage(string Kind, bool Active, string Message, DateTimeOffset At);

/// <summary>One listener connected now. The address is anonymised unless <c>Radio:Operations:ShowListenerAddresses</c> is true.</summary>
public sealed record ListenerInfo(long Id, string Address, string UserAgent, DateTimeOffset ConnectedSince, long BytesSent, long LagBytes, double LagSeconds, bool Metadata);

/// <summary>
/// One item played: a row of the play history; <see cref="Live"/> for a live segment (a host's or the master source's, no file);
/// <see cref="LoudnessLufs"/> and <see cref="TruePeakDbtp"/> as it went on air (after the limiter; so far, for the item on air;
/// null for silence and for rows from before the station measured them).
/// </summary>
public sealed record HistoryEntry(DateTimeOffset StartedAt, DateTimeOffset? EndedAt, double? DurationSeconds, string? ShowId, string Show, string Artist, string Title, string? Album, string? File, int ListenersAtStart, int ListenersPeak, bool Live = false, double? LoudnessLufs = null, double? TruePeakDbtp = null);

public sealed record ListenerPoint(DateTimeOffset At, int Listeners);

/// <summary>What an operator's dashboard gets when it joins: the status, the last hour of listener counts, recent plays, the listener table.</summary>
public sealed record OperatorState(StatusReport Status, IReadOnlyList<ListenerPoint> ListenerSeries, IReadOnlyList<HistoryEntry> History, IReadOnlyList<ListenerInfo> ListenerTable, int ListenerTableTotal);

/// <summary>Pushed to the operators' group once a second while one is connected.</summary>
public sealed record OperatorUpdate(StatusReport Status, ListenerPoint Point, IReadOnlyList<ListenerInfo> ListenerTable, int ListenerTableTotal);
