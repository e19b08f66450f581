using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using RadioServer.Audio;
using RadioServer.Auth;
using RadioServer.Station;
using RadioServer.Streaming;
using RadioServer.Streaming.Listeners;

namespace RadioServer.Operations;

/// <summary>
/// Operators' endpoints: /api/status, Icecast's /status-json.xsl, /metrics, /healthz, /readyz (public, like
/// Icecast's status page and a Prometheus target); /api/history, /api/listeners and the operators' group of the
/// hub at /hubs/operators need the operator key.
/// </summary>
internal static class OperationsEndpoints
{
    private static readonly TimeSpan s_maxHistoryRange = TimeSpan.FromDays(400);

    // Icecast writes "+0000" and non-ASCII titles as they are, not as \u escapes.
    private static readonly System.Text.Json.JsonSerializerOptions s_icecastJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static IEndpointRouteBuilder MapOperations(this IEndpointRouteBuilder endpoints)
    {
        // Public; the live section's sources need the host key, their addresses the operator key (as GET /api/live).
        endpoints.MapGet("/api/status", (HttpContext context, StationStatus status) =>
            Results.Ok(status.Report(withLiveSources: context.User.IsInRole(Roles.Host), withLiveAddresses: context.User.IsInRole(Roles.Operator))));
        endpoints.MapGet("/status-json.xsl", IcecastStatus);
        var metrics = endpoints.ServiceProvider.GetRequiredService<StationMetrics>();
        endpoints.MapGet("/metrics", async (HttpContext context) =>
        {
            context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await metrics.WriteAsync(context.Response.Body, context.RequestAborted);
        });
        endpoints.MapGet("/healthz", () => Results.Text("ok\n", "text/plain"));
        endpoints.MapGet("/readyz", Ready);
        endpoints.MapHub<OperatorsHub>("/hubs/operators");

        endpoints.MapGet("/api/history", History).RequireAuthorization(AuthServiceCollectionExtensions.OperatorPolicy);
        var listeners = endpoints.MapGroup("/api/listeners").RequireAuthorization(AuthServiceCollectionExtensions.OperatorPolicy);
        listeners.MapGet("", (ListenerTable listenerTable) =>
        {
            var (table, total) = listenerTable.Listeners(int.MaxValue);
            return Results.Ok(new { total, listeners = table });
        });
        listeners.MapDelete("/{id}", (string id, ListenerRegistry registry) =>
        {
            if (!long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var listenerId))
            {
                return Results.Problem(statusCode: 400, title: "Bad listener id.", detail: $"'{id}' is not a listener id (a positive whole number from GET /api/listeners).");
            }
            return registry.Drop(listenerId, LeaveReason.Kicked)
                ? Results.NoContent()
                : Results.Problem(statusCode: 404, title: "No such listener.", detail: $"Listener {listenerId} is not connected.");
        });
        return endpoints;
    }

    private static IResult Ready(AirChain chain, IOptions<OperationsOptions> options)
    {
        var maxLag = options.Value.ReadyMaxLagSeconds;
        var lag = chain.Lag.TotalSeconds;
        if (!chain.IsRunning)
        {
            return Results.Text("not ready: the encoder is not running\n", "text/plain", statusCode: 503);
        }
        if (lag > maxLag)
        {
            return Results.Text(FormattableString.Invariant($"not ready: the encoder is {lag:0.###} s behind real time (limit {maxLag:0.###} s)\n"), "text/plain", statusCode: 503);
        }
        return Results.Text(FormattableString.Invariant($"ready: encoder on air, {lag:0.###} s behind real time\n"), "text/plain");
    }

    /// <summary>
    /// Icecast 2.4's status-json.xsl, field for field (names, types, date formats), so tools that read
    /// Icecast's status work unchanged. Icecast's quirk is kept: "source" is an object for one mount (an
    /// array only with several; RadioServer has one), and each object ends with "dummy": null. While a live source
    /// feeds the mount, an operator's request (the operator key: Icecast's admin view) also gets its
    /// <c>source_ip</c> and <c>user_agent</c>, where Icecast's stats have them; the public page has neither, as
    /// Icecast's own status-json.xsl hides both.
    /// </summary>
    private static IResult IcecastStatus(HttpRequest request, StationStatus status, IOptions<RadioOptions> options)
    {
        var o = options.Value;
        var admin = request.HttpContext.User.IsInRole(Roles.Operator);
        var report = status.Report(withLiveSources: admin, withLiveAddresses: admin);
        var feeding = report.Live.Sources.FirstOrDefault(s => s.Heard);
        var mount = report.Mounts[0];
        var source = new JsonObject
        {
            ["audio_info"] = FormattableString.Invariant($"channels={StationFormat.Channels};samplerate={StationFormat.SampleRate};bitrate={o.BitrateKbps}"),
            ["bitrate"] = o.BitrateKbps,
            ["channels"] = StationFormat.Channels,
            ["genre"] = string.IsNullOrEmpty(o.Genre) ? "various" : o.Genre,
            ["listener_peak"] = mount.Peak,
            // An origin counts its edges' listeners too (each edge's pull is not a listener): the station's total.
            ["listeners"] = report.Edges is { Role: "origin" } edges ? edges.StationListeners : mount.Listeners,
            ["listenurl"] = StreamUrls.Absolute(request, o),
            ["samplerate"] = StationFormat.SampleRate,
            ["server_description"] = string.IsNullOrEmpty(o.Description) ? "Unspecified description" : o.Description,
            ["server_name"] = o.StationName,
            ["server_type"] = mount.ContentType,
            ["server_url"] = o.Url,
        };
        // Icecast's stats are sorted by name: source_ip after server_url, user_agent after title.
        if (feeding?.Address is { } address)
        {
            source["source_ip"] = address;
        }
        source["stream_start"] = Rfc822(mount.StreamStart);
        source["stream_start_iso8601"] = Iso8601(mount.StreamStart);
        if (mount.Title is { } title)
        {
            source["title"] = title;
        }
        if (feeding?.Client is { } agent)
        {
            source["user_agent"] = agent;
        }
        source["dummy"] = null;
        var icestats = new JsonObject
        {
            ["admin"] = "icemaster@localhost",
            ["host"] = request.Host.Host,
            ["location"] = "Earth",
            ["server_id"] = $"RadioServer {StationStatus.Version} (Icecast 2.4 compatible)",
            ["server_start"] = Rfc822(status.StartedAt),
            ["server_start_iso8601"] = Iso8601(status.StartedAt),
            ["source"] = source,
            ["dummy"] = null,
        };
        var json = new JsonObject { ["icestats"] = icestats }.ToJsonString(s_icecastJson);
        return Results.Text(json, "application/json", Encoding.UTF8);
    }

    // Icecast writes "Thu, 26 Nov 2026 06:22:55 +0000" and "2026-11-26T06:22:55+0000" (no colon in the offset).
    private static string Rfc822(DateTimeOffset at) => at.ToUniversalTime().ToString("ddd, dd MMM yyyy HH:mm:ss '+0000'", CultureInfo.InvariantCulture);

    private static string Iso8601(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'+0000'", CultureInfo.InvariantCulture);

    private static IResult History(HttpRequest request, PlayHistory history, TimeProvider time)
    {
        var now = time.GetUtcNow();
        var query = request.Query;
        if (!TryTime(query["to"], endOfDay: true, out var to, out var error, "to"))
        {
            return Results.Problem(statusCode: 400, title: "Bad 'to'.", detail: error);
        }
        to ??= now.AddSeconds(1);
        if (!TryTime(query["from"], endOfDay: false, out var from, out error, "from"))
        {
            return Results.Problem(statusCode: 400, title: "Bad 'from'.", detail: error);
        }
        from ??= to.Value.AddDays(-1);
        if (from > to)
        {
            return Results.Problem(statusCode: 400, title: "Bad range.", detail: $"'from' ({from:O}) is after 'to' ({to:O}).");
        }
        if (to - from > s_maxHistoryRange)
        {
            return Results.Problem(statusCode: 400, title: "Range too long.", detail: $"Ask for at most {s_maxHistoryRange.TotalDays:0} days at a time.");
        }
        var format = query["format"].ToString();
        if (format is not ("" or "json" or "csv"))
        {
            return Results.Problem(statusCode: 400, title: "Bad 'format'.", detail: $"format must be json or csv, not '{format}'.");
        }
        IReadOnlyList<HistoryEntry> plays;
        try
        {
            plays = history.Query(from.Value, to.Value);
        }
        catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or IOException or InvalidOperationException)
        {
            return Results.Problem(statusCode: 503, title: "The play history cannot be read.", detail: ex.Message);
        }
        if (format == "csv")
        {
            var name = FormattableString.Invariant($"history-{from.Value.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}-{to.Value.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}.csv");
            return Results.File(Encoding.UTF8.GetBytes(Csv(plays)), "text/csv; charset=utf-8", name);
        }
        return Results.Ok(new { from, to, count = plays.Count, plays });
    }

    /// <summary>An ISO 8601 date (a whole day) or date-time; without an offset it is UTC. Empty: not given.</summary>
    internal static bool TryTime(string? text, bool endOfDay, out DateTimeOffset? value, out string error, string name)
    {
        value = null;
        error = "";
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }
        text = text.Trim();
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            var start = new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            if (!InRange(start, name, out value, out error))
            {
                return false;
            }
            value = endOfDay ? start.AddDays(1) : start;
            return true;
        }
        if (text.Contains('T', StringComparison.Ordinal) &&
            DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
        {
            return InRange(at, name, out value, out error);
        }
        error = $"'{name}' must be an ISO 8601 date (2026-11-26) or date-time (2026-11-26T07:00:00Z), not '{text}'.";
        return false;
    }

    // The history holds plays since the station first went on air; a query window is at most 400 days. Bounds
    // well inside DateTimeOffset's, so a day added or taken for a default end or start can never overflow.
    private static readonly DateTimeOffset s_earliest = new(1970, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset s_latest = new(9000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static bool InRange(DateTimeOffset at, string name, out DateTimeOffset? value, out string error)
    {
        value = null;
        error = "";
        if (at < s_earliest || at > s_latest)
        {
            error = FormattableString.Invariant($"'{name}' must lie between {s_earliest:yyyy-MM-dd} and {s_latest:yyyy-MM-dd}, not {at:O}.");
            return false;
        }
        value = at;
        return true;
    }

    /// <summary>A royalty-style report: one line per play, RFC 4180 quoting.</summary>
    internal static string Csv(IReadOnlyList<HistoryEntry> plays)
    {
        var csv = new StringBuilder("started_at_utc,ended_at_utc,duration_seconds,show,artist,title,album,file,listeners_at_start,listeners_peak,loudness_lufs,true_peak_dbtp,live\r\n");
        foreach (var p in plays)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{p.StartedAt.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'},{(p.EndedAt is { } e ? e.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "")},")
               .Append(p.DurationSeconds?.ToString("0.###", CultureInfo.InvariantCulture)).Append(',')
               .Append(Field(p.Show)).Append(',').Append(Field(p.Artist)).Append(',').Append(Field(p.Title)).Append(',')
               .Append(Field(p.Album ?? "")).Append(',').Append(Field(p.File ?? "")).Append(',')
               .Append(p.ListenersAtStart.ToString(CultureInfo.InvariantCulture)).Append(',')
               .Append(p.ListenersPeak.ToString(CultureInfo.InvariantCulture)).Append(',')
               .Append(p.LoudnessLufs?.ToString("0.0", CultureInfo.InvariantCulture)).Append(',')
               .Append(p.TruePeakDbtp?.ToString("0.0", CultureInfo.InvariantCulture)).Append(',')
               .Append(p.Live ? "true" : "false").Append("\r\n");
        }
        return csv.ToString();
    }

    private static string Field(string value)
    {
        // Quote when needed; a leading =, +, - or @ is prefixed so a spreadsheet does not run it as a formula.
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@')
        {
            value = "'" + value;
        }
        return value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
