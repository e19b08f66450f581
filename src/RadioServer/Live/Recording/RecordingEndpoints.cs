using System.Collections.Immutable;
using RadioServer.Auth;
using RadioServer.Live.Accounts;
using RadioServer.Scheduling;

namespace RadioServer.Live.Recording;

/// <summary>One recording as <c>GET /api/recordings</c> lists it.</summary>
/// <param name="SlotStart">The slot's start in station time, with its offset.</param>
/// <param name="File">The file's name (its final name also while it is recorded).</param>
/// <param name="DurationSeconds">From the MP3 frames' bitrate and the audio's bytes; null before the first frame.</param>
/// <param name="Recording">Still being recorded (the file grows).</param>
/// <param name="Url">Where to download it.</param>
internal sealed record RecordingDto(string ShowId, string ShowTitle, DateTimeOffset SlotStart, string File, long Bytes, double? DurationSeconds, bool Recording, string Url);

internal sealed record RecordingListDto(int Count, IReadOnlyList<RecordingDto> Recordings);

/// <summary>
/// The recordings of live slots: operators (operator key) see and download all; a host, with Basic credentials
/// (account name and source password, checked by <see cref="IHostAccounts"/>), those of the shows that list them
/// among their hosts in the schedule in force.
/// </summary>
internal static class RecordingEndpoints
{
    private const string Challenge = "Basic realm=\"RadioServer recordings\", Bearer";

    public static IEndpointRouteBuilder MapRecordings(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/recordings");
        api.MapGet("", List);
        api.MapGet("/{showId}/{file}", Download);
        return endpoints;
    }

    private static IResult List(HttpContext context, RecordingFiles files, ScheduleStore schedule, IHostAccounts accounts)
    {
        var (access, refused) = Authorize(context, accounts, schedule.Current);
        if (refused is not null)
        {
            return refused;
        }
        var current = schedule.Current;
        var items = files.List(access!.Allows).Select(file =>
        {
            var show = current.Shows.FirstOrDefault(s => s.Id == file.ShowId);
            return new RecordingDto(file.ShowId, show?.Title ?? file.ShowId, StationTime(file.LocalStart, current.Zone), file.FileName, file.Bytes,
                file.DurationSeconds is { } d ? Math.Round(d, 3) : null, file.Recording, $"/api/recordings/{file.ShowId}/{file.FileName}");
        }).ToList();
        return Results.Ok(new RecordingListDto(items.Count, items));
    }

    private static IResult Download(string showId, string file, HttpContext context, RecordingFiles files, ScheduleStore schedule, IHostAccounts accounts)
    {
        // Route values arrive percent-decoded: "..%2F" is "../" here, and neither pattern lets a '/', '\' or ".." through.
        if (!RecordingFiles.IsShowId(showId))
        {
            return Results.Problem(statusCode: 400, title: "Not a show id.", detail: "A show id is lowercase letters, digits and dashes, as in schedule.json (\"morning-show\").");
        }
        if (!RecordingFiles.IsFileName(file))
        {
            return Results.Problem(statusCode: 400, title: "Not a recording's name.", detail: "A recording is named after its slot's start in station time: yyyy-MM-dd_HHmm.mp3 (\"2026-11-26_0700.mp3\"), as GET /api/recordings lists it.");
        }
        var (access, refused) = Authorize(context, accounts, schedule.Current);
        if (refused is not null)
        {
            return refused;
        }
        // A show that is not the host's answers as one that does not exist: a host learns nothing of others' recordings.
        if (!access!.Allows(showId) || files.Find(showId, file) is not { } recording)
        {
            return Results.Problem(statusCode: 404, title: "No such recording.", detail: $"There is no recording {showId}/{file} you may download; GET /api/recordings lists yours.");
        }
        // Range requests (players seeking, resumed downloads) are answered from the file as it is now, .part or not.
        return Results.File(recording.FullPath, "audio/mpeg", fileDownloadName: $"{recording.ShowId}_{recording.FileName}", enableRangeProcessing: true);
    }

    private static DateTimeOffset StationTime(DateTime local, TimeZoneInfo zone)
    {
        // The name is wall-clock time; a time that is twice (the hour clocks go back) reads as its standard-time instance.
        var offset = zone.IsInvalidTime(local) ? zone.BaseUtcOffset : zone.GetUtcOffset(local);
        return new DateTimeOffset(DateTime.SpecifyKind(local, DateTimeKind.Unspecified), offset);
    }

    /// <summary>Who asks: an operator (everything), a host by Basic credentials (their shows), or the answer that refuses.</summary>
    private static (Access? Access, IResult? Refused) Authorize(HttpContext context, IHostAccounts accounts, Schedule schedule)
    {
        if (context.User.IsInRole(Roles.Operator))
        {
            return (Access.Everything, null);
        }
        var (user, password) = SourceRequest.BasicCredentials(context.Request.Headers.Authorization.ToString());
        if (user is not null && password is not null && accounts.Verify(user, password) is { } account)
        {
            if (account.Disabled)
            {
                return (null, Results.Problem(statusCode: 403, title: "This host account is disabled.", detail: "Ask an operator to enable it again."));
            }
            var shows = schedule.Shows.Where(s => s.Hosts.Contains(account.Name, StringComparer.OrdinalIgnoreCase)).Select(s => s.Id).ToImmutableHashSet(StringComparer.Ordinal);
            return (new Access(shows.Contains), null);
        }
        if (user is null && context.User.IsInRole(Roles.Host))
        {
            return (null, Results.Problem(statusCode: 403, title: "The host key does not say which host you are.",
                detail: "Sign in with your host account's name and source password (HTTP Basic), or use the operator key."));
        }
        // The same answer for no credentials, an unknown name, a wrong password and a wrong key.
        context.Response.Headers.WWWAuthenticate = Challenge;
        return (null, Results.Problem(statusCode: 401, title: "Credentials are required.",
            detail: "Hosts: HTTP Basic with your host account's name and source password. Operators: the operator key ('Authorization: Bearer <key>' or 'X-Api-Key')."));
    }

    private sealed class Access(Func<string, bool> allows)
    {
        public static readonly Access Everything = new(_ => true);

        public Func<string, bool> Allows { get; } = allows;
    }
}
