using System.Text.Json;
using System.Text.Json.Serialization;

namespace RadioServer.Edges;

// The station across nodes: what an edge reports (POST /api/edges/report), what the origin answers, and the
// edges section of GET /api/status (camelCase JSON, docs/api.md).

/// <summary>An edge's report: its listeners now, and how many more connections it can take (<see cref="Room"/>, from its descriptor budget).</summary>
public sealed record EdgeReport(string Name, string? Url, int Listeners, long Room, bool OriginConnected);

/// <summary>The origin's answer to a report: the station's listeners, and the nodes with room that a full node may send players to.</summary>
public sealed record EdgeReportAnswer(int StationListeners, IReadOnlyList<EdgeNode> WithRoom);

public sealed record EdgeNode(string Name, string Url, long Room);

/// <summary>One edge as the origin last heard it: its share of the station's listeners.</summary>
public sealed record EdgeShare(string Name, string? Url, int Listeners, long Room, bool OriginConnected, DateTimeOffset ReportedAt);

/// <summary>
/// An edge's link to its origin. <see cref="OutageSeconds"/>: how long the origin has been away (0 while connected);
/// meanwhile listeners hear silence (<see cref="SilenceSeconds"/> in all). <see cref="PositionOffset"/>: edge stream position
/// minus the origin's (0 unless the origin restarted under the edge, when the edge's positions run on from its own).
/// <see cref="Attempts"/>: connections tried; <see cref="Connects"/>: those that brought audio.
/// </summary>
public sealed record OriginLinkStatus(string Origin, bool Connected, DateTimeOffset? ConnectedSince, DateTimeOffset? LostAt, double OutageSeconds, bool Alarm,
    long Attempts, long Connects, double SilenceSeconds, string? LastError, long PositionOffset, bool Reporting, int StationListeners);

/// <summary>
/// The edges section of the status. <see cref="Role"/>: <c>origin</c> (it takes edges), <c>edge</c> or <c>single</c>.
/// <see cref="StationListeners"/>: on an origin its own listeners plus every edge reported in the last 10 s; on an edge the
/// origin's last answer. <see cref="Pulls"/>: edges pulling the stream now (not counted as listeners).
/// </summary>
public sealed record EdgesStatus(string Role, int StationListeners, int OwnListeners, IReadOnlyList<EdgeShare> Edges, int Pulls, OriginLinkStatus? Origin);

/// <summary>A title mark as the relay carries it: where it starts on the origin's stream, and the track it names.</summary>
internal sealed record RelayMark(long Position, string StreamTitle, DateTimeOffset StartedAt, string? Path, string? Artist, string? Title, string? Album, double DurationSeconds, long? HeardPosition = null, string? Art = null);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(RelayMark))]
[JsonSerializable(typeof(EdgeReport))]
[JsonSerializable(typeof(EdgeReportAnswer))]
internal sealed partial class EdgesJson : JsonSerializerContext;
