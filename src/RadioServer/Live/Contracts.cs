namespace RadioServer.Live;

// What live looks like from outside: GET /api/live, the hubs and the pages (camelCase JSON, docs/api.md).

/// <summary>
/// The live state: <c>off</c> (no live session), <c>standby</c> (a host connected early, not on air yet), <c>onAir</c>,
/// <c>dropped</c> (the host's source went away during the slot; automation fills in until a reconnect).
/// </summary>
/// <param name="State">off, standby, onAir or dropped.</param>
/// <param name="OnAir">Whether a live source is heard now (the master's or the host's).</param>
/// <param name="Master">Whether the one heard is the master source (the operator's).</param>
/// <param name="Host">The host of the live session, if any.</param>
/// <param name="ShowId">The live session's show.</param>
/// <param name="ShowTitle">The live session's show title.</param>
/// <param name="SlotStart">The slot's start (station time with its offset).</param>
/// <param name="SlotEnd">The slot's end.</param>
/// <param name="Closes">When the server ends the host's source (the slot's end, plus the overrun of a soft show).</param>
/// <param name="OnAirAt">For a host in standby: when the takeover comes (null for trackEnd: after the running track).</param>
/// <param name="Takeover">boundary, trackEnd or immediate.</param>
/// <param name="Sources">The connected sources (empty for listeners).</param>
/// <param name="Mount">Where source clients connect (<c>Radio:Live:MountPath</c>), for the hosts' page's "how to connect".</param>
/// <param name="Now">The server's clock when this was read (station time), so a page counts down to <paramref name="OnAirAt"/> on the server's time, not its own.</param>
public sealed record LiveStatus(
    string State,
    bool OnAir,
    bool Master,
    string? Host,
    string? ShowId,
    string? ShowTitle,
    DateTimeOffset? SlotStart,
    DateTimeOffset? SlotEnd,
    DateTimeOffset? Closes,
    DateTimeOffset? OnAirAt,
    string? Takeover,
    IReadOnlyList<LiveSourceStatus> Sources,
    string Mount,
    DateTimeOffset Now);

/// <summary>One connected source, as hosts (without its address) and operators see it.</summary>
/// <param name="Id">Its number, to end it (<c>POST /api/live/sources/{id}/end</c>).</param>
/// <param name="Account">The host's account, or <c>source</c> for the master.</param>
/// <param name="Master">Whether it is the master source.</param>
/// <param name="Heard">Whether it is heard now (else in standby, or playing out after it disconnected).</param>
/// <param name="Client">Its User-Agent.</param>
/// <param name="Address">Its address (operators only).</param>
/// <param name="Codec">MP3, Vorbis or Opus.</param>
/// <param name="SampleRate">What it sends.</param>
/// <param name="Channels">What it sends.</param>
/// <param name="BitrateKbps">What it sends (0 when not known).</param>
/// <param name="Since">When it connected.</param>
/// <param name="LevelDb">Its peak level now, dBFS (null when silent).</param>
/// <param name="BufferedMs">What its jitter buffer holds now: the delay the server adds to it, besides the encoder's.</param>
/// <param name="Underruns">Times its buffer ran dry (the network was late); each grows the buffer's target by 100 ms.</param>
/// <param name="Name">Its ice-name.</param>
public sealed record LiveSourceStatus(long Id, string Account, bool Master, bool Heard, string? Client, string? Address, string Codec, int SampleRate, int Channels, int BitrateKbps, DateTimeOffset Since, double? LevelDb, string? Name, int BufferedMs, long Underruns);
