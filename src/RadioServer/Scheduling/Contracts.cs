namespace RadioServer.Scheduling;

// What the schedule looks like from outside: the host API, the players' hub and the operators' status
// (camelCase JSON, documented in docs/api.md and docs/schedule.md). Public because the typed hub clients need them.

/// <summary>ON AIR: the slot on now and the next one.</summary>
public sealed record OnAirMessage(SlotDto Current, SlotDto? Next);
