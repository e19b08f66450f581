using System.Collections.Immutable;

namespace RadioServer.Scheduling;

internal enum BoundaryMode
{
    /// <summary>Cut the running track at the slot start, with a short fade.</summary>
    Hard,

    /// <summary>Let the running track finish, but no later than the show's maximum overrun.</summary>
    Soft,
}

/// <summary>When a host who connected early (in standby) goes on air.</summary>
internal enum LiveTakeover
{
    /// <summary>Exactly at the slot start, automation fading out under the host's first second.</summary>
    Boundary,

    /// <summary>At the end of the track playing when the slot starts (or when the host connects, later in the slot).</summary>
    TrackEnd,

    /// <summary>As soon as the host connects, from the early window on.</summary>
    Immediate,
}

/// <summary>A show's rules for its live hosts (<c>live</c> in schedule.json).</summary>
/// <param name="Early">How long before the slot a host may connect (standby).</param>
/// <param name="Takeover">When a host in standby goes on air.</param>
/// <param name="Grace">How long a host on air may give nothing (a network stall) before automation fills in; null: Radio:Live:GraceSeconds.</param>
/// <param name="SilenceFallback">How long a host may be silent on the wire (muted) before automation fills in.</param>
internal sealed record LiveRules(TimeSpan Early, LiveTakeover Takeover, TimeSpan? Grace, TimeSpan SilenceFallback)
{
    public static readonly LiveRules Default = new(TimeSpan.FromMinutes(10), LiveTakeover.Boundary, null, TimeSpan.FromSeconds(30));
}

internal enum PlaylistOrder
{
    Sequential,
    Shuffle,
}

/// <summary>Files and folders (absolute, inside the media folder) and how to walk them.</summary>
internal sealed record Playlist(ImmutableArray<string> Items, PlaylistOrder Order, ImmutableArray<string> Jingles, int JingleEvery);

/// <summary>A weekly slot: on these days, from start to end (an end at or before the start runs into the next day).</summary>
internal sealed record WeeklySlot(ImmutableArray<DayOfWeek> Days, TimeOnly Start, TimeOnly End, bool EndsAtMidnight, DateOnly? From, DateOnly? Until)
{
    public bool AppliesOn(DateOnly date) =>
        Days.Contains(date.DayOfWeek) && (From is null || date >= From) && (Until is null || date <= Until);
}

/// <summary>A one-off slot on one date; it overrides the weekly grid for its time.</summary>
internal sealed record OneOffSlot(DateOnly Date, TimeOnly Start, TimeOnly End, bool EndsAtMidnight);

internal sealed record Show(
    string Id,
    string Title,
    ImmutableArray<string> Hosts,
    string Description,
    BoundaryMode Boundary,
    TimeSpan MaxOverrun,
    Playlist Playlist,
    ImmutableArray<WeeklySlot> Weekly,
    ImmutableArray<OneOffSlot> OneOffs)
{
    /// <summary>The show's rules for live hosts.</summary>
    public LiveRules Live { get; init; } = LiveRules.Default;

    /// <summary>The longest crossfade between the show's items (<c>crossfade</c>): null for the station's default, zero for none.</summary>
    public TimeSpan? Crossfade { get; init; }

    /// <summary>Whether <paramref name="name"/> is one of the show's hosts (names compare ignoring case).</summary>
    public bool Lists(string name) => Hosts.Any(h => string.Equals(h, name.Trim(), StringComparison.OrdinalIgnoreCase));
}

/// <summary>One concrete airing of a show: instants in UTC, resolved from wall-clock times in the station's zone.</summary>
internal sealed record SlotOccurrence(Show Show, DateTimeOffset StartUtc, DateTimeOffset EndUtc, bool OneOff)
{
    public bool Covers(DateTimeOffset instant) => instant >= StartUtc && instant < EndUtc;
}

/// <summary>A validated schedule, immutable; swapped whole when a new one is applied.</summary>
internal sealed record Schedule(TimeZoneInfo Zone, string AutomationTitle, Playlist Automation, ImmutableArray<Show> Shows, string Json, string Hash)
{
    /// <summary>The longest crossfade between automation's items (<c>automation.crossfade</c>): null for the station's default, zero for none.</summary>
    public TimeSpan? AutomationCrossfade { get; init; }

    /// <summary>Every occurrence that overlaps [<paramref name="fromUtc"/>, <paramref name="toUtc"/>), one-offs cutting the weekly slots they overlap, ordered by start.</summary>
    public IReadOnlyList<SlotOccurrence> Occurrences(DateTimeOffset fromUtc, DateTimeOffset toUtc)
    {
        var firstDay = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(fromUtc, Zone).DateTime).AddDays(-1);
        var lastDay = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(toUtc, Zone).DateTime).AddDays(1);
        var weekly = new List<SlotOccurrence>();
        var oneOffs = new List<SlotOccurrence>();
        foreach (var show in Shows)
        {
            for (var day = firstDay; day <= lastDay; day = day.AddDays(1))
            {
                foreach (var slot in show.Weekly)
                {
                    if (slot.AppliesOn(day))
                    {
                        weekly.Add(Resolve(show, day, slot.Start, slot.End, slot.EndsAtMidnight, oneOff: false));
                    }
                }
            }
            foreach (var slot in show.OneOffs)
            {
                if (slot.Date >= firstDay && slot.Date <= lastDay)
                {
                    oneOffs.Add(Resolve(show, slot.Date, slot.Start, slot.End, slot.EndsAtMidnight, oneOff: true));
                }
            }
        }
        var result = new List<SlotOccurrence>(oneOffs);
        foreach (var occurrence in weekly)
        {
            result.AddRange(Subtract(occurrence, oneOffs));
        }
        return [.. result.Where(o => o.EndUtc > fromUtc && o.StartUtc < toUtc && o.EndUtc > o.StartUtc).OrderBy(o => o.StartUtc)];
    }

    /// <summary>The show on air at <paramref name="instant"/> (null: automation) and the next one to start.</summary>
    public (SlotOccurrence? Current, SlotOccurrence? Next) At(DateTimeOffset instant)
    {
        // Slots are at most a day long (an overnight one spans two dates); eight days ahead finds a weekly next.
        var occurrences = Occurrences(instant.AddDays(-2), instant.AddDays(8));
        var current = occurrences.FirstOrDefault(o => o.Covers(instant));
        var next = occurrences.FirstOrDefault(o => o.StartUtc > instant && (current is null || o.StartUtc >= current.EndUtc));
        return (current, next);
    }

    private SlotOccurrence Resolve(Show show, DateOnly day, TimeOnly start, TimeOnly end, bool endsAtMidnight, bool oneOff)
    {
        var endDay = endsAtMidnight || end <= start ? day.AddDays(1) : day;
        var startUtc = ZoneTime.ToUtc(day.ToDateTime(start), Zone);
        var endUtc = ZoneTime.ToUtc(endDay.ToDateTime(endsAtMidnight ? TimeOnly.MinValue : end), Zone);
        return new SlotOccurrence(show, startUtc, endUtc, oneOff);
    }

    private static IEnumerable<SlotOccurrence> Subtract(SlotOccurrence occurrence, List<SlotOccurrence> cuts)
    {
        var pieces = new List<SlotOccurrence> { occurrence };
        foreach (var cut in cuts)
        {
            var next = new List<SlotOccurrence>();
            foreach (var piece in pieces)
            {
                if (cut.EndUtc <= piece.StartUtc || cut.StartUtc >= piece.EndUtc)
                {
                    next.Add(piece);
                    continue;
                }
                if (cut.StartUtc > piece.StartUtc)
                {
                    next.Add(piece with { EndUtc = cut.StartUtc });
                }
                if (cut.EndUtc < piece.EndUtc)
                {
                    next.Add(piece with { StartUtc = cut.EndUtc });
                }
            }
            pieces = next;
        }
        return pieces;
    }
}

/// <summary>Wall-clock time in a zone to UTC, with the station's DST rules.</summary>
internal static class ZoneTime
{
    /// <summary>
    /// Spring forward: a time in the missing hour means the first valid instant after the gap (02:30 → 03:00).
    /// Fall back: a time in the repeated hour means its first occurrence, so a slot there runs once.
    /// </summary>
    public static DateTimeOffset ToUtc(DateTime local, TimeZoneInfo zone)
    {
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        if (zone.IsInvalidTime(local))
        {
            var probe = new DateTime(local.Year, local.Month, local.Day, local.Hour, local.Minute, 0, DateTimeKind.Unspecified);
            while (zone.IsInvalidTime(probe))
            {
                probe = probe.AddMinutes(1);
            }
            local = probe;
        }
        var offset = zone.IsAmbiguousTime(local) ? zone.GetAmbiguousTimeOffsets(local).Max() : zone.GetUtcOffset(local);
        return new DateTimeOffset(local, offset).ToUniversalTime();
    }
}
