namespace RadioServer.Backplane;

/// <summary>
/// The hub backplane's section of GET /api/status (<c>redis</c>; camelCase JSON, docs/api.md): whether Redis is
/// configured and connected, the channel prefix, whether this node publishes the station's messages (an edge does
/// not), the messages the other nodes missed, how often Redis came back, and since when it is down.
/// </summary>
public sealed record BackplaneStatus(bool Enabled, bool Connected, string? ChannelPrefix, bool PublishesStation, long PublishFailures, long Reconnects, DateTimeOffset? DownSince, string? LastError, DateTimeOffset? LastErrorAt);
