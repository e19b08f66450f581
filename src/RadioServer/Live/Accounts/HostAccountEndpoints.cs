using System.Text.Json;
using System.Text.Json.Serialization;
using RadioServer.Auth;
using RadioServer.Scheduling;

namespace RadioServer.Live.Accounts;

/// <summary>
/// The operators' API for hosts' accounts (operator key): the accounts and the schedule's hosts without one; create,
/// reset a password, disable, enable, delete. A password the station generates is in that one answer only.
/// </summary>
internal static class HostAccountEndpoints
{
    /// <summary>A name and a password fit in far less; anything longer is not a request of this API.</summary>
    public const int MaxBodyBytes = 4096;

    public static IEndpointRouteBuilder MapHostAccounts(this IEndpointRouteBuilder endpoints)
    {
        var hosts = endpoints.MapGroup("/api/hosts").RequireAuthorization(AuthServiceCollectionExtensions.OperatorPolicy);
        // Answers may carry a password: no cache keeps them.
        hosts.AddEndpointFilter(async (context, next) =>
        {
            context.HttpContext.Response.Headers.CacheControl = "no-store";
            return await next(context);
        });
        hosts.MapGet("", List);
        hosts.MapPost("", CreateAsync);
        hosts.MapPost("/{name}/password", ResetPasswordAsync);
        hosts.MapPost("/{name}/disable", (string name, HostAccountStore store, ScheduleStore schedule, TimeProvider time) => SetDisabled(name, true, store, schedule, time));
        hosts.MapPost("/{name}/enable", (string name, HostAccountStore store, ScheduleStore schedule, TimeProvider time) => SetDisabled(name, false, store, schedule, time));
        hosts.MapDelete("/{name}", Delete);
        return endpoints;
    }

    private static IResult List(HostAccountStore store, ScheduleStore schedule, TimeProvider time)
    {
        store.Refresh(); // a file that could not be read at start is tried again
        var shows = ShowsByHost(schedule.Current);
        var now = time.GetUtcNow();
        var accounts = store.Accounts().Select(a => Dto(a, shows, now)).ToList();
        var without = shows.Values.Where(h => store.Find(h.Name) is null)
            .OrderBy(h => h.Name, StringComparer.OrdinalIgnoreCase)
            .Select(h => new ScheduledHostDto(h.Name, h.Shows)).ToList();
        return Results.Ok(new HostListDto(accounts, without, store.LastError));
    }

    private static async Task<IResult> CreateAsync(HttpRequest request, HostAccountStore store, ScheduleStore schedule, TimeProvider time)
    {
        var (body, problem) = await ReadAsync(request, optional: false);
        if (problem is not null)
        {
            return problem;
        }
        if (!HostCredentials.TryName(body!.Name, out var name, out var error))
        {
            return Results.Problem(statusCode: 400, title: "Bad host name.", detail: error);
        }
        if (!TryPassword(body.Password, out var password, out var generated, out problem))
        {
            return problem!;
        }
        var change = store.Create(name, password);
        return change.Outcome switch
        {
            HostAccountOutcome.Done => Results.Created($"/api/hosts/{Uri.EscapeDataString(change.Account!.Name)}",
                new HostPasswordDto(Dto(change.Account, ShowsByHost(schedule.Current), time.GetUtcNow()), generated ? password : null)),
            HostAccountOutcome.Exists => Results.Problem(statusCode: 409, title: "The host has an account.",
                detail: $"An account named '{change.Account!.Name}' exists (names match without regard to case). Reset its password instead."),
            _ => Unavailable(change),
        };
    }

    private static async Task<IResult> ResetPasswordAsync(string name, HttpRequest request, HostAccountStore store, ScheduleStore schedule, TimeProvider time)
    {
        if (!TryRouteName(name, out name, out var problem))
        {
            return problem!;
        }
        var (body, bodyProblem) = await ReadAsync(request, optional: true);
        if (bodyProblem is not null)
        {
            return bodyProblem;
        }
        if (!TryPassword(body!.Password, out var password, out var generated, out problem))
        {
            return problem!;
        }
        var change = store.SetPassword(name, password);
        return change.Outcome == HostAccountOutcome.Done
            ? Results.Ok(new HostPasswordDto(Dto(change.Account!, ShowsByHost(schedule.Current), time.GetUtcNow()), generated ? password : null))
            : Failed(change, name);
    }

    private static IResult SetDisabled(string name, bool disabled, HostAccountStore store, ScheduleStore schedule, TimeProvider time)
    {
        if (!TryRouteName(name, out name, out var problem))
        {
            return problem!;
        }
        var change = store.SetDisabled(name, disabled);
        return change.Outcome == HostAccountOutcome.Done
            ? Results.Ok(Dto(change.Account!, ShowsByHost(schedule.Current), time.GetUtcNow()))
            : Failed(change, name);
    }

    private static IResult Delete(string name, HostAccountStore store)
    {
        if (!TryRouteName(name, out name, out var problem))
        {
            return problem!;
        }
        var change = store.Delete(name);
        return change.Outcome == HostAccountOutcome.Done ? Results.NoContent() : Failed(change, name);
    }

    private static IResult Failed(HostAccountChange change, string name) => change.Outcome == HostAccountOutcome.NotFound
        ? Results.Problem(statusCode: 404, title: "No such host account.", detail: $"There is no account named '{name}' (GET /api/hosts lists them).")
        : Unavailable(change);

    private static IResult Unavailable(HostAccountChange change) => Results.Problem(statusCode: 503, title: "The host accounts cannot be saved.",
        detail: $"The station's database cannot be written, so nothing was changed; the accounts as they were keep working: {change.Error}");

    /// <summary>
    /// The name in the path. Kestrel decodes the path but leaves <c>%2F</c> as it is (a '/' would change the route),
    /// so a name with a slash arrives with it still escaped.
    /// </summary>
    private static bool TryRouteName(string value, out string name, out IResult? problem)
    {
        problem = null;
        if (!HostCredentials.TryName(value.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase), out name, out var error))
        {
            problem = Results.Problem(statusCode: 400, title: "Bad host name.", detail: error);
            return false;
        }
        return true;
    }

    /// <summary>The password given, or a generated one when none was.</summary>
    private static bool TryPassword(string? given, out string password, out bool generated, out IResult? problem)
    {
        problem = null;
        generated = given is null;
        password = given ?? HostCredentials.Generate();
        if (HostCredentials.PasswordProblem(password) is { } error)
        {
            problem = Results.Problem(statusCode: 400, title: "Bad password.", detail: error);
            return false;
        }
        return true;
    }

    private static async Task<(HostRequest? Body, IResult? Problem)> ReadAsync(HttpRequest request, bool optional)
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            return (null, TooLarge());
        }
        using var body = new MemoryStream();
        var buffer = new byte[1024];
        int read;
        while ((read = await request.Body.ReadAsync(buffer, request.HttpContext.RequestAborted)) > 0)
        {
            body.Write(buffer, 0, read);
            if (body.Length > MaxBodyBytes)
            {
                return (null, TooLarge());
            }
        }
        if (body.Length == 0)
        {
            return optional
                ? (new HostRequest(null, null), null)
                : (null, Results.Problem(statusCode: 400, title: "A body is required.", detail: """Send {"name": "…", "password": "…"} as JSON; without a password one is generated."""));
        }
        try
        {
            var parsed = JsonSerializer.Deserialize(body.GetBuffer().AsSpan(0, (int)body.Length), HostAccountsJson.Default.HostRequest);
            return parsed is null
                ? (null, Results.Problem(statusCode: 400, title: "Bad body.", detail: "The body must be a JSON object, not null."))
                : (parsed, null);
        }
        catch (JsonException ex)
        {
            // The reader's message names the place (path, line, byte), never the value found there.
            return (null, Results.Problem(statusCode: 400, title: "Bad body.", detail: $"The body must be a JSON object with string 'name' and 'password': {ex.Message}"));
        }
    }

    private static IResult TooLarge() => Results.Problem(statusCode: 413, title: "Body too large.", detail: $"A request to /api/hosts is at most {MaxBodyBytes} bytes.");

    /// <summary>Each name the schedule's shows list (as first spelled there), with its shows, by <see cref="HostCredentials.Key"/>.</summary>
    private static Dictionary<string, (string Name, List<HostShowDto> Shows)> ShowsByHost(Schedule schedule)
    {
        var hosts = new Dictionary<string, (string Name, List<HostShowDto> Shows)>();
        foreach (var show in schedule.Shows)
        {
            foreach (var host in show.Hosts)
            {
                var key = HostCredentials.Key(host);
                if (!hosts.TryGetValue(key, out var entry))
                {
                    hosts[key] = entry = (host.Trim(), []);
                }
                if (!entry.Shows.Exists(s => s.Id == show.Id))
                {
                    entry.Shows.Add(new HostShowDto(show.Id, show.Title));
                }
            }
        }
        return hosts;
    }

    private static HostAccountDto Dto(HostAccount a, Dictionary<string, (string Name, List<HostShowDto> Shows)> shows, DateTimeOffset now) =>
        new(a.Name, a.Disabled, a.BlockedUntil > now, a.BlockedUntil, a.Created, a.PasswordChanged,
            shows.TryGetValue(HostCredentials.Key(a.Name), out var listed) ? listed.Shows : []);
}

/// <summary>The body of POST /api/hosts and POST /api/hosts/{name}/password.</summary>
internal sealed record HostRequest(string? Name, string? Password);

internal sealed record HostShowDto(string Id, string Title);

/// <summary>An account as operators see it; <c>Blocked</c>: <c>BlockedUntil</c> is still to come.</summary>
internal sealed record HostAccountDto(string Name, bool Disabled, bool Blocked, DateTimeOffset? BlockedUntil, DateTimeOffset Created, DateTimeOffset? PasswordChanged, IReadOnlyList<HostShowDto> Shows);

internal sealed record ScheduledHostDto(string Name, IReadOnlyList<HostShowDto> Shows);

/// <summary>GET /api/hosts; <c>StoreError</c>: why the database could not be read or written the last time, else null.</summary>
internal sealed record HostListDto(IReadOnlyList<HostAccountDto> Accounts, IReadOnlyList<ScheduledHostDto> WithoutAccount, string? StoreError);

/// <summary>A created account or a new password; <c>GeneratedPassword</c> only when the station made it up (shown this once).</summary>
internal sealed record HostPasswordDto(HostAccountDto Account, string? GeneratedPassword);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(HostRequest))]
internal sealed partial class HostAccountsJson : JsonSerializerContext;
