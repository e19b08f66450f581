using RadioServer.Scheduling;
using RadioServer.Station;
using RadioServer.Tests.Infrastructure;

namespace RadioServer.Tests.Scheduling;

public sealed class ScheduleParserTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public ScheduleParserTests()
    {
        TestAudio.WriteToneWav(_folder.File("a.wav"), 440, 1);
        Directory.CreateDirectory(_folder.File("empty"));
    }

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void RepositorySchedule_IsValid_AndHasTheSampleShows()
    {
        var root = StationPaths.FindRoot(AppContext.BaseDirectory);
        var result = new ScheduleParser(Path.Combine(root, "media")).Parse(File.ReadAllText(Path.Combine(root, "schedule.json")));
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var shows = result.Schedule!.Shows;
        Assert.Contains(shows, s => s.Weekly.Any(w => w.Start == new TimeOnly(7, 0) && w.End == new TimeOnly(9, 0) && w.Days.Length == 5));
        Assert.Contains(shows, s => s.Weekly.Any(w => w.Start.Hour >= 17)); // an evening show
        Assert.Equal("Europe/Berlin", result.Schedule.Zone.Id);
    }

    [Fact]
    public void BadSchedule_EveryReasonListed_WithLineAndColumn()
    {
        var json = """
            {
              "timeZone": "Mars/Olympus_Mons",
              "automation": { "playlist": { "items": [] } },
              "shows": [
                {
                  "id": "a", "title": "A", "playlist": { "items": ["../../etc/passwd"] },
                  "slots": [
                    { "days": ["mon"], "start": "25:00", "end": "09:00" },
                    { "days": ["tue"], "start": "08:00", "end": "08:00" },
                    { "days": ["wed"], "start": "07:00", "end": "09:00" },
                    { "days": ["wed"], "start": "08:30", "end": "10:00" },
                    { "days": ["funday"], "start": "10:00", "end": "11:00" }
                  ]
                },
                { "id": "b", "title": "B", "playlist": { "items": ["empty"] }, "slots": [ { "days": ["fri"], "start": "01:00", "end": "02:00" } ] }
              ]
            }
            """;
        var result = new ScheduleParser(_folder.Media).Parse(json);
        Assert.False(result.IsValid);
        var errors = result.Errors.ToDictionary(e => e.Path, e => e);
        Assert.Contains("Unknown time zone", errors["timeZone"].Message);
        Assert.Equal((2, 15), (errors["timeZone"].Line, errors["timeZone"].Column));
        Assert.Contains("empty", errors["automation.playlist.items"].Message);
        Assert.Contains("outside the media folder", errors["shows[0].playlist.items[0]"].Message);
        Assert.Contains("\"25:00\" is not a time of day", errors["shows[0].slots[0].start"].Message);
        Assert.Equal(8, errors["shows[0].slots[0].start"].Line);
        Assert.Contains("ends when it starts", errors["shows[0].slots[1].end"].Message);
        Assert.Contains("Overlaps slot 2 of show \"a\" on Wednesday", errors["shows[0].slots[3]"].Message);
        Assert.Contains("Unknown day \"funday\"", errors["shows[0].slots[4].days[0]"].Message);
        Assert.Contains("no playable file", errors["shows[1].playlist.items"].Message);
        Assert.Equal(9, result.Errors.Count);
    }

    [Theory]
    [InlineData("""{ "timeZone": "UTC", """, "Expected")]
    [InlineData("""{ "timeZone": 7 }""", "could not be converted")]
    [InlineData("""{ "timeZone": "UTC", "automation": { "playlist": { "items": ["."] } }, "extra": 1 }""", "Unknown property \"extra\"")]
    public void MalformedJson_IsReportedWithItsPosition(string json, string reason)
    {
        var result = new ScheduleParser(_folder.Media).Parse(json);
        var error = Assert.Single(result.Errors);
        Assert.Contains(reason, error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(1, error.Line);
        Assert.NotNull(error.Column);
    }

    [Fact]
    public void UnknownProperties_AllReported_AlongsideOtherErrors()
    {
        var json = ScheduleResolutionTests.Document("""
            { "id": "a", "title": "A", "colour": "red", "playlist": { "items": ["a.wav"], "shufle": true }, "slots": [ { "days": ["mon"], "start": "7:00", "end": "09:00", "note": "x" } ] }
            """);
        var errors = new ScheduleParser(_folder.Media).Parse(json).Errors.Select(e => (e.Path, e.Message)).ToList();
        Assert.Contains(errors, e => e.Path == "shows[0].colour" && e.Message.StartsWith("Unknown property \"colour\"", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Path == "shows[0].playlist.shufle");
        Assert.Contains(errors, e => e.Path == "shows[0].slots[0].note");
        Assert.Contains(errors, e => e.Path == "shows[0].slots[0].start");
        Assert.Equal(4, errors.Count);
    }

    [Fact]
    public void Overlaps_AcrossShowsAndMidnight_AreRefused_ButNotInSeparateDateRanges()
    {
        var overlapping = ScheduleResolutionTests.Document("""
            { "id": "late", "title": "Late", "playlist": { "items": ["a.wav"] }, "slots": [ { "days": ["sun"], "start": "23:00", "end": "01:00" } ] },
            { "id": "early", "title": "Early", "playlist": { "items": ["a.wav"] }, "slots": [ { "days": ["mon"], "start": "00:30", "end": "02:00" } ] }
            """);
        var error = Assert.Single(new ScheduleParser(_folder.Media).Parse(overlapping).Errors);
        Assert.Equal("shows[1].slots[0]", error.Path);

        var seasons = ScheduleResolutionTests.Document("""
            { "id": "summer", "title": "Summer", "playlist": { "items": ["a.wav"] }, "slots": [ { "days": ["mon"], "start": "07:00", "end": "09:00", "from": "2026-06-01", "until": "2026-08-31" } ] },
            { "id": "winter", "title": "Winter", "playlist": { "items": ["a.wav"] }, "slots": [ { "days": ["mon"], "start": "07:00", "end": "09:00", "from": "2026-09-01" } ] }
            """);
        Assert.True(new ScheduleParser(_folder.Media).Parse(seasons).IsValid);
    }

    [Fact]
    public void ManyCopiesOfOneSlot_GiveABoundedList_NotAnErrorPerPair()
    {
        // 2,400 copies of one weekly slot: before, 2,878,800 overlap errors (a 397 MB answer, 1.27 GB held).
        var slots = string.Join(", ", Enumerable.Repeat("""{ "days": ["mon","tue","wed","thu","fri","sat","sun"], "start": "07:00", "end": "09:00" }""", 2400));
        var json = ScheduleResolutionTests.Document($$"""{ "id": "a", "title": "A", "playlist": { "items": ["a.wav"] }, "slots": [ {{slots}} ] }""");
        var errors = new ScheduleParser(_folder.Media).Parse(json).Errors;
        Assert.Equal(ScheduleParser.MaxErrors + 1, errors.Count);
        Assert.All(errors.Take(ScheduleParser.MaxErrors), e => Assert.StartsWith("Overlaps slot", e.Message, StringComparison.Ordinal));
        // 2,399 copies overlap one before them (and the playlist's file is not in this media folder): counted, not listed.
        Assert.Matches(@"^\.\.\. and 2[0-9]{3} more errors \(the first 100 are listed\)\.$", errors[^1].Message);
    }

    [Fact]
    public void ManyItemsNamingAnEmptyFolder_GiveABoundedListOfWarnings()
    {
        // One warning per item named an empty folder: 50,000 of them made a 5 MB answer out of a 450 KB document.
        var items = string.Join(", ", Enumerable.Repeat("\"empty\"", 50_000));
        var json = ScheduleResolutionTests.Document($$"""{ "id": "a", "title": "A", "playlist": { "items": ["a.wav", {{items}}] }, "slots": [ { "days": ["mon"], "start": "07:00", "end": "09:00" } ] }""");
        var result = new ScheduleParser(_folder.Media).Parse(json);
        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        Assert.Equal(ScheduleParser.MaxErrors + 1, result.Warnings.Count);
        Assert.All(result.Warnings.Take(ScheduleParser.MaxErrors), w => Assert.Contains("has no audio files yet", w.Message, StringComparison.Ordinal));
        Assert.Equal("... and 49900 more warnings (the first 100 are listed).", result.Warnings[^1].Message);
    }
}
