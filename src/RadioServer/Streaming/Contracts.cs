namespace RadioServer.Streaming;

// The stream's sections of the operators' status (GET /api/status; camelCase JSON, docs/api.md).

public sealed record DisconnectCount(string Reason, long Count);

/// <summary>The stream's listeners; <see cref="Current"/> and <see cref="Peak"/> without the relays, which are <see cref="Relays"/>.</summary>
public sealed record ListenerStats(int Current, int Peak, long TotalSessions, IReadOnlyList<DisconnectCount> Disconnects, long BytesSent, int Relays = 0);

public sealed record MountStatus(string Path, string ContentType, int BitrateKbps, int Listeners, int Peak, string? Title, DateTimeOffset StreamStart);
