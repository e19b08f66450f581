using RadioServer.Auth;

namespace RadioServer.Scheduling;

/// <summary>
/// An ON AIR slot as the API, the hub and the pages show it: station-zone times (with their offset) and UTC;
/// start/end are null for automation with no show before or after it within a week.
/// </summary>
public sealed record SlotDto(string? ShowId, string Title, IReadOnlyList<string> Hosts, string Description, bool IsAutomation, bool OneOff, DateTimeOffset? Start, DateTimeOffset? End, DateTimeOffset? StartUtc, DateTimeOffset? EndUtc);

internal sealed record ScheduleNowDto(string TimeZone, DateTimeOffset Now, SlotDto Current, SlotDto? Next);

internal sealed record ScheduleWeekDto(string TimeZone, DateTimeOffset From, DateTimeOffset To, IReadOnlyList<SlotDto> Occurrences);

internal sealed record ValidationDto(bool Valid, IReadOnlyList<ScheduleIssue> Errors, IReadOnlyList<ScheduleIssue> Warnings);

internal sealed record AppliedDto(bool Applied, IReadOnlyList<ScheduleIssue> Warnings);

/// <summary>The host API: read, validate and replace the schedule; what is on now; the coming week.</summary>
internal static class ScheduleEndpoints
{
    public static IEndpointRouteBuilder MapSchedule(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/schedule");
        api.MapGet("", (ScheduleStore store) => Results.Text(store.Current.Json, "application/json"));
        api.MapPut("", ReplaceAsync).RequireAuthorization(AuthServiceCollectionExtensions.HostPolicy);
        api.MapPost("/validate", ValidateAsync);
        // Operators only: re-read schedule.json now instead of within the second.
        api.MapPost("/reload", (ScheduleStore store) =>
        {
            store.Poll(force: true);
            return Results.Ok(new { hash = store.Current.Hash, loadedAt = store.LoadedAt, lastError = store.LastError });
        }).RequireAuthorization(AuthServiceCollectionExtensions.OperatorPolicy);
        api.MapGet("/now", (ScheduleStore store, TimeProvider time) => Now(store.Current, time.GetUtcNow()));
        api.MapGet("/week", (ScheduleStore store, TimeProvider time) => Week(store.Current, time.GetUtcNow()));
        return endpoints;
    }

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
        return new ScheduleWeekDto(schedule.Zone.Id, Local(schedule, from), Local(schedule, to), occurrences);
    }

    private static async Task<IResult> ReplaceAsync(HttpRequest request, ScheduleStore store)
    {
        var (json, problem) = await ReadBodyAsync(request);
        if (problem is not null)
        {
            return problem;
        }
        var result = store.Replace(json!);
        if (!result.IsValid)
        {
            return Results.Problem(
                statusCode: 400,
                title: "The schedule was refused.",
                detail: $"{result.Errors.Count} error(s); nothing was changed. " + string.Join(" ", result.Errors.Take(3).Select(e => e.ToString())),
                extensions: new Dictionary<string, object?> { ["errors"] = result.Errors, ["warnings"] = result.Warnings });
        }
        return Results.Ok(new AppliedDto(true, result.Warnings));
    }

    private static async Task<IResult> ValidateAsync(HttpRequest request, ScheduleStore store)
    {
        var (json, problem) = await ReadBodyAsync(request);
        if (problem is not null)
        {
            return problem;
        }
        var result = store.Validate(json!);
        return Results.Ok(new ValidationDto(result.IsValid, result.Errors, result.Warnings));
    }

    private static async Task<(string? Json, IResult? Problem)> ReadBodyAsync(HttpRequest request)
    {
        if (request.ContentLength > ScheduleStore.MaxBytes)
        {
            return (null, TooLarge());
        }
        using var body = new MemoryStream();
        var buffer = new byte[16384];
        int read;
        while ((read = await request.Body.ReadAsync(buffer, request.HttpContext.RequestAborted)) > 0)
        {
            body.Write(buffer, 0, read);
            if (body.Length > ScheduleStore.MaxBytes)
            {
                return (null, TooLarge());
            }
        }
        if (body.Length == 0)
        {
            return (null, Results.Problem(statusCode: 400, title: "The request has no body.", detail: "Send the schedule JSON as the request body."));
        }
        try
        {
            return (new System.Text.UTF8Encoding(false, throwOnInvalidBytes: true).GetString(body.GetBuffer(), 0, (int)body.Length), null);
        }
        catch (System.Text.DecoderFallbackException)
        {
            return (null, Results.Problem(statusCode: 400, title: "The body is not UTF-8 text.", detail: "Send the schedule as UTF-8 JSON."));
        }
    }

    private static IResult TooLarge() =>
        Results.Problem(statusCode: 413, title: "The schedule is too large.", detail: $"At most {ScheduleStore.MaxBytes} bytes.");

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
