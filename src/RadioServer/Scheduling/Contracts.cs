namespace RadioServer.Scheduling;

// What the schedule looks like from outside: the host API, the players' hub and the operators' status
// (camelCase JSON, documented in docs/api.md and docs/schedule.md). Public because the typed hub clients need them.

/// <summary>ON AIR: the slot on now and the next one.</summary>
public sealed record OnAirMessage(SlotDto Current, SlotDto? Next);

/// <summary>
/// An ON AIR slot as the API, the hub and the pages show it: station-zone times (with their offset) and UTC;
/// start/end are null for automation with no show before or after it within a week.
/// </summary>
public sealed record SlotDto(string? ShowId, string Title, IReadOnlyList<string> Hosts, string Description, bool IsAutomation, bool OneOff, DateTimeOffset? Start, DateTimeOffset? End, DateTimeOffset? StartUtc, DateTimeOffset? EndUtc);

internal sealed record ScheduleNowDto(string TimeZone, DateTimeOffset Now, SlotDto Current, SlotDto? Next);

/// <summary>The coming seven days; <paramref name="AutomationTitle"/> is what fills the time between them.</summary>
internal sealed record ScheduleWeekDto(string TimeZone, DateTimeOffset From, DateTimeOffset To, IReadOnlyList<SlotDto> Occurrences, string AutomationTitle);

internal sealed record ValidationDto(bool Valid, IReadOnlyList<ScheduleIssue> Errors, IReadOnlyList<ScheduleIssue> Warnings);

internal sealed record AppliedDto(bool Applied, IReadOnlyList<ScheduleIssue> Warnings);

/// <summary>The schedule's section of the operators' status: the schedule in force and how its reloads went.</summary>
public sealed record ScheduleStatus(DateTimeOffset? LoadedAt, string Hash, string? LastError, long Reloads, long Errors);
