namespace RadioServer.Scheduling;

/// <summary>
/// The schedule as the outside sees it (the host API, the players' hub, the operators' status): slots in
/// station-zone times with their offset and in UTC, what is on now and next, the coming week.
/// </summary>
internal static class ScheduleView
{
    /// <summary>What is on at <paramref name="now"/> (automation between shows) and what starts next, with the station's time.</summary>
    internal static ScheduleNowDto Now(Schedule schedule, DateTimeOffset now)
    {
        var (current, next) = schedule.At(now);
        var slot = current is null ? Automation(schedule, now, next) : ToDto(schedule, current);
        return new ScheduleNowDto(schedule.Zone.Id, Local(schedule, now), slot, next is null ? null : ToDto(schedule, next));
    }

    /// <summary>Seven station-zone dates from the start of today, so a week grid has exactly seven columns.</summary>
    internal static ScheduleWeekDto Week(Schedule schedule, DateTimeOffset now)
    {
        var today = DateOnly.FromDateTime(Local(schedule, now).DateTime);
        var from = ZoneTime.ToUtc(today.ToDateTime(TimeOnly.MinValue), schedule.Zone);
        var to = ZoneTime.ToUtc(today.AddDays(7).ToDateTime(TimeOnly.MinValue), schedule.Zone);
        var occurrences = schedule.Occurrences(from, to).Select(o => ToDto(schedule, o)).ToList();
        return new ScheduleWeekDto(schedule.Zone.Id, Local(schedule, from), Local(schedule, to), occurrences, schedule.AutomationTitle);
    }

    /// <summary>ON AIR: the slot on now (automation between shows) and the next one.</summary>
    internal static OnAirMessage OnAir(Schedule schedule, DateTimeOffset now)
    {
        var dto = Now(schedule, now);
        return new OnAirMessage(dto.Current, dto.Next);
    }

    private static SlotDto ToDto(Schedule schedule, SlotOccurrence o) =>
        new(o.Show.Id, o.Show.Title, o.Show.Hosts, o.Show.Description, false, o.OneOff, Local(schedule, o.StartUtc), Local(schedule, o.EndUtc), o.StartUtc, o.EndUtc);

    private static SlotDto Automation(Schedule schedule, DateTimeOffset now, SlotOccurrence? next)
    {
        var previous = schedule.Occurrences(now.AddDays(-8), now).LastOrDefault(o => o.EndUtc <= now);
        return new SlotDto(null, schedule.AutomationTitle, [], "", true, false,
            previous is null ? null : Local(schedule, previous.EndUtc), next is null ? null : Local(schedule, next.StartUtc),
            previous?.EndUtc, next?.StartUtc);
    }

    private static DateTimeOffset Local(Schedule schedule, DateTimeOffset utc) => TimeZoneInfo.ConvertTime(utc, schedule.Zone);
}
