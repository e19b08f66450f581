using RadioServer.Auth;
using RadioServer.Web;

namespace RadioServer.Scheduling;

/// <summary>The host API: read, validate and replace the schedule; what is on now; the coming week.</summary>
internal static class ScheduleEndpoints
{
    public static IEndpointRouteBuilder MapSchedule(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/schedule");
        api.MapGet("", (ScheduleStore store) => Results.Text(store.Current.Json, "application/json"));
        api.MapPut("", ReplaceAsync).RequireAuthorization(AuthServiceCollectionExtensions.HostPolicy);
        // Without a key, like a linter (hosts check a draft, scripts check a file), so limited per address instead:
        // validation is bounded (1 MiB, O(n log n), 100 errors listed) but not free, and a host checking a draft
        // now and then never meets the limit.
        api.MapPost("/validate", ValidateAsync).RequireRateLimiting(new PerAddressLimit(DryRunBurst, TimeSpan.FromSeconds(3)));
        // Operators only: re-read schedule.json now instead of within the second.
        api.MapPost("/reload", (ScheduleStore store) =>
        {
            store.Poll(force: true);
            return Results.Ok(new { hash = store.Current.Hash, loadedAt = store.LoadedAt, lastError = store.LastError });
        }).RequireAuthorization(AuthServiceCollectionExtensions.OperatorPolicy);
        api.MapGet("/now", (ScheduleStore store, TimeProvider time) => ScheduleView.Now(store.Current, time.GetUtcNow()));
        api.MapGet("/week", (ScheduleStore store, TimeProvider time) => ScheduleView.Week(store.Current, time.GetUtcNow()));
        return endpoints;
    }

    /// <summary>How many dry runs an address may make at once before it waits (then one every 3 s).</summary>
    public const int DryRunBurst = 20;

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
}
