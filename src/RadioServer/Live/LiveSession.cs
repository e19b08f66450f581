using RadioServer.Library;
using RadioServer.Live.Recording;
using RadioServer.Scheduling;

namespace RadioServer.Live;

/// <summary>Where a host's live session is: connected early and waiting, on air, dropped (waiting for a reconnect), or over.</summary>
internal enum LiveState
{
    Standby,
    OnAir,
    Dropped,
    Ended,
}

/// <summary>
/// One slot's live session: from the first connection of one of the show's hosts (as early as the show's
/// <c>live.earlyMinutes</c>) to the slot's end (plus its overrun for a soft show). Reconnects within the slot are the
/// same session: the same title, the same recording. Its state changes under <see cref="LiveDirector"/>'s lock.
/// </summary>
internal sealed class LiveSession(SlotOccurrence slot, string host, TimeZoneInfo zone, TimeSpan defaultGrace)
{
    private TrackInfo _title = FirstTitle(slot.Show, host);

    public SlotOccurrence Slot { get; } = slot;

    public Show Show => Slot.Show;

    /// <summary>The host who connected last (co-hosts share the slot, one source at a time).</summary>
    public string Host { get; set; } = host;

    public LiveState State { get; set; } = LiveState.Standby;

    /// <summary>Went on air at least once: the slot is being recorded.</summary>
    public bool EverOnAir { get; set; }

    /// <summary>The host asked to go on air now, before the takeover.</summary>
    public bool GoNow { get; set; }

    public DateTimeOffset? OnAirSince { get; set; }

    public TimeSpan Grace => Show.Live.Grace ?? defaultGrace;

    /// <summary>From when the show's hosts may connect.</summary>
    public DateTimeOffset Opens => Opening(Slot);

    /// <summary>When the server ends the source and refuses reconnects: the slot's end, plus the overrun for a soft show.</summary>
    public DateTimeOffset Closes => Closing(Slot);

    /// <summary>NOW PLAYING while the host is on air: the show and the host until the host sends a title.</summary>
    public TrackInfo Title
    {
        get => Volatile.Read(ref _title);
        set => Volatile.Write(ref _title, value);
    }

    public RecordingSlot Recording => new(Show.Id, Show.Title, [Host], Slot.StartUtc, TimeZoneInfo.ConvertTime(Slot.StartUtc, zone));

    public bool IsFor(SlotOccurrence slot) => slot.Show.Id == Slot.Show.Id && slot.StartUtc == Slot.StartUtc;

    public static DateTimeOffset Opening(SlotOccurrence slot) => slot.StartUtc - slot.Show.Live.Early;

    public static DateTimeOffset Closing(SlotOccurrence slot) => slot.EndUtc + (slot.Show.Boundary == BoundaryMode.Soft ? slot.Show.MaxOverrun : TimeSpan.Zero);

    /// <summary>A title sent by the host (updinfo, or the stream's own tags).</summary>
    public TrackInfo SentTitle(string title) => new("live:" + Show.Id, Show.Id, "", title.Trim(), Show.Title, TimeSpan.Zero);

    private static TrackInfo FirstTitle(Show show, string host) => new("live:" + show.Id, show.Id, host, show.Title, show.Title, TimeSpan.Zero);
}
