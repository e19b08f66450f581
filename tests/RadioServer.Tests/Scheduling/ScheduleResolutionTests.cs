using RadioServer.Scheduling;
using RadioServer.Tests.Infrastructure;

namespace RadioServer.Tests.Scheduling;

public sealed class ScheduleResolutionTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public ScheduleResolutionTests()
    {
        TestAudio.WriteToneWav(_folder.File("a.wav"), 440, 1);
    }

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Weekly_WeekdayMorningShow_OnAirOnlyOnWeekdays()
    {
        var schedule = Parse("""{ "days": ["mon","tue","wed","thu","fri"], "start": "07:00", "end": "09:00" }""");
        // Thursday 2026-11-26, Berlin is UTC+1 in winter.
        Assert.Equal("show", schedule.At(Utc("2026-11-26T06:00:00Z")).Current?.Show.Id);
        Assert.Equal("show", schedule.At(Utc("2026-11-26T07:59:59Z")).Current?.Show.Id);
        Assert.Null(schedule.At(Utc("2026-11-26T08:00:00Z")).Current);
        Assert.Null(schedule.At(Utc("2026-11-26T05:59:59Z")).Current);
        Assert.Null(schedule.At(Utc("2026-11-28T06:30:00Z")).Current); // Saturday
        var (_, next) = schedule.At(Utc("2026-11-27T09:00:00Z")); // Friday after the show: next is Monday
        Assert.Equal(Utc("2026-11-30T06:00:00Z"), next!.StartUtc);
    }

    [Fact]
    public void Weekly_Overnight_RunsIntoTheNextDay()
    {
        var schedule = Parse("""{ "days": ["sat"], "start": "22:00", "end": "02:00" }""");
        var occurrence = schedule.At(Utc("2026-11-29T00:30:00Z")).Current; // Sunday 01:30 Berlin
        Assert.NotNull(occurrence);
        Assert.Equal(Utc("2026-11-28T21:00:00Z"), occurrence.StartUtc);
        Assert.Equal(Utc("2026-11-29T01:00:00Z"), occurrence.EndUtc);
        Assert.Null(schedule.At(Utc("2026-11-29T21:30:00Z")).Current); // Sunday 22:30: not a Saturday
    }

    [Fact]
    public void OneOff_OverridesTheWeeklyGrid_ForItsTimeOnly()
    {
        var json = Document("""
            { "id": "weekly", "title": "Weekly", "playlist": { "items": ["a.wav"] }, "slots": [ { "days": ["thu"], "start": "18:00", "end": "22:00" } ] },
            { "id": "special", "title": "Special", "playlist": { "items": ["a.wav"] }, "slots": [ { "date": "2026-12-24", "start": "19:00", "end": "20:00" } ] }
            """);
        var schedule = ParseDocument(json);
        var evening = schedule.Occurrences(Utc("2026-12-24T00:00:00Z"), Utc("2026-12-25T00:00:00Z")).Select(o => (o.Show.Id, o.StartUtc.Hour, o.EndUtc.Hour)).ToList();
        Assert.Equal([("weekly", 17, 18), ("special", 18, 19), ("weekly", 19, 21)], evening);
        Assert.Equal("special", schedule.At(Utc("2026-12-24T18:30:00Z")).Current!.Show.Id);
        Assert.Equal("weekly", schedule.At(Utc("2026-12-31T18:30:00Z")).Current!.Show.Id); // the next Thursday is untouched
    }

    [Fact]
    public void SpringForward_SlotInTheMissingHour_StartsAtTheFirstValidInstant()
    {
        // Europe/Berlin, Sunday 2026-03-29: 02:00 CET jumps to 03:00 CEST (01:00 UTC).
        var schedule = Parse("""{ "days": ["sun"], "start": "02:30", "end": "04:00" }""");
        var occurrence = schedule.Occurrences(Utc("2026-03-28T12:00:00Z"), Utc("2026-03-30T00:00:00Z")).Single();
        Assert.Equal(Utc("2026-03-29T01:00:00Z"), occurrence.StartUtc); // 03:00 CEST
        Assert.Equal(Utc("2026-03-29T02:00:00Z"), occurrence.EndUtc);   // 04:00 CEST
        Assert.Null(schedule.At(Utc("2026-03-29T00:59:59Z")).Current);
        Assert.NotNull(schedule.At(Utc("2026-03-29T01:00:00Z")).Current);
        // The week after, the same slot is 02:30-04:00 CEST again.
        Assert.Equal(Utc("2026-04-05T00:30:00Z"), schedule.At(Utc("2026-04-05T00:45:00Z")).Current!.StartUtc);
    }

    [Fact]
    public void FallBack_SlotInTheRepeatedHour_RunsOnce()
    {
        // Europe/Berlin, Sunday 2026-10-25: 03:00 CEST falls back to 02:00 CET (01:00 UTC); 02:00-03:00 happens twice.
        var schedule = Parse("""{ "days": ["sun"], "start": "02:15", "end": "02:45" }""");
        var occurrences = schedule.Occurrences(Utc("2026-10-24T12:00:00Z"), Utc("2026-10-26T00:00:00Z"));
        var occurrence = Assert.Single(occurrences);
        Assert.Equal(Utc("2026-10-25T00:15:00Z"), occurrence.StartUtc); // the first 02:15 (CEST)
        Assert.Equal(Utc("2026-10-25T00:45:00Z"), occurrence.EndUtc);
        Assert.Null(schedule.At(Utc("2026-10-25T01:30:00Z")).Current); // the second 02:30 (CET): not again
    }

    [Fact]
    public void FallBack_SlotAcrossTheTransition_LastsTheRealHours()
    {
        var schedule = Parse("""{ "days": ["sun"], "start": "01:00", "end": "04:00" }""");
        var occurrence = schedule.Occurrences(Utc("2026-10-24T12:00:00Z"), Utc("2026-10-26T00:00:00Z")).Single();
        Assert.Equal(TimeSpan.FromHours(4), occurrence.EndUtc - occurrence.StartUtc); // 01:00 CEST to 04:00 CET
    }

    [Fact]
    public void CutFor_HardShowStart_CutsAtTheStart_SoftShowAfterItsOverrun()
    {
        var json = Document("""
            { "id": "news", "title": "News", "boundary": "hard", "playlist": { "items": ["a.wav"] }, "slots": [ { "days": ["thu"], "start": "12:00", "end": "12:10" } ] },
            { "id": "lounge", "title": "Lounge", "boundary": "soft", "maxOverrunSeconds": 90, "playlist": { "items": ["a.wav"] }, "slots": [ { "days": ["thu"], "start": "13:00", "end": "14:00" } ] }
            """, zone: "UTC");
        var schedule = ParseDocument(json);
        Assert.Equal(Utc("2026-11-26T12:00:00Z"), ScheduledPlayout.CutFor(schedule, Utc("2026-11-26T11:58:00Z")));
        Assert.Equal(Utc("2026-11-26T12:10:00Z"), ScheduledPlayout.CutFor(schedule, Utc("2026-11-26T12:09:00Z"))); // the hard show also ends on time
        Assert.Equal(Utc("2026-11-26T13:01:30Z"), ScheduledPlayout.CutFor(schedule, Utc("2026-11-26T12:58:00Z")));
    }

    private Schedule Parse(string slot) => ParseDocument(Document($$"""{ "id": "show", "title": "Show", "playlist": { "items": ["a.wav"] }, "slots": [ {{slot}} ] }"""));

    private Schedule ParseDocument(string json)
    {
        var result = new ScheduleParser(_folder.Media).Parse(json);
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        return result.Schedule!;
    }

    internal static string Document(string shows, string zone = "Europe/Berlin") =>
        $$"""{ "timeZone": "{{zone}}", "automation": { "playlist": { "items": ["."] } }, "shows": [ {{shows}} ] }""";

    private static DateTimeOffset Utc(string iso) => DateTimeOffset.Parse(iso, System.Globalization.CultureInfo.InvariantCulture);
}
