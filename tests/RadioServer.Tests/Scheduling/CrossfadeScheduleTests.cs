using RadioServer.Audio.Playout;
using RadioServer.Scheduling;
using RadioServer.Tests.Infrastructure;

namespace RadioServer.Tests.Scheduling;

/// <summary>schedule.json's <c>crossfade</c> (per show and for automation), and the smart rules it feeds.</summary>
public sealed class CrossfadeScheduleTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public CrossfadeScheduleTests() => TestAudio.WriteToneWav(_folder.File("a.wav"), 440, 1);

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Crossfade_SecondsOrOff_PerShowAndForAutomation_AbsentIsTheStationDefault()
    {
        var result = new ScheduleParser(_folder.Media).Parse(Document("\"crossfade\": \"OFF\",", """
            { "id": "a", "title": "A", "crossfade": 4.5, "playlist": { "items": ["a.wav"] }, "slots": [ { "days": ["mon"], "start": "07:00", "end": "08:00" } ] },
            { "id": "b", "title": "B", "crossfade": 0, "playlist": { "items": ["a.wav"] }, "slots": [ { "days": ["tue"], "start": "07:00", "end": "08:00" } ] },
            { "id": "c", "title": "C", "playlist": { "items": ["a.wav"] }, "slots": [ { "days": ["wed"], "start": "07:00", "end": "08:00" } ] }
            """));
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var schedule = result.Schedule!;
        Assert.Equal(TimeSpan.Zero, schedule.AutomationCrossfade);
        Assert.Equal([TimeSpan.FromSeconds(4.5), TimeSpan.Zero, null], schedule.Shows.Select(s => s.Crossfade));
    }

    [Fact]
    public void Crossfade_Bad_IsRefusedWithItsLineAndReason()
    {
        var json = Document("\"crossfade\": true,", """
            { "id": "a", "title": "A", "crossfade": 25, "playlist": { "items": ["a.wav"] }, "slots": [ { "days": ["mon"], "start": "07:00", "end": "08:00" } ] },
            { "id": "b", "title": "B",
              "crossfade": "sometimes", "playlist": { "items": ["a.wav"] }, "slots": [ { "days": ["tue"], "start": "07:00", "end": "08:00" } ] },
            { "id": "c", "title": "C", "crossfade": -1, "playlist": { "items": ["a.wav"] }, "slots": [ { "days": ["wed"], "start": "07:00", "end": "08:00" } ] }
            """);
        var result = new ScheduleParser(_folder.Media).Parse(json);
        Assert.False(result.IsValid);
        var errors = result.Errors.ToDictionary(e => e.Path);
        Assert.Equal(4, errors.Count);
        Assert.Contains("from 0 to 20 or \"off\", not true", errors["automation.crossfade"].Message);
        Assert.Contains("not 25", errors["shows[0].crossfade"].Message);
        Assert.Contains("not \"sometimes\"", errors["shows[1].crossfade"].Message);
        Assert.Contains("not -1", errors["shows[2].crossfade"].Message);
        var lines = json.Split('\n');
        foreach (var error in errors.Values)
        {
            Assert.NotNull(error.Line);
            Assert.Contains("\"crossfade\"", lines[error.Line!.Value - 1]); // the line it names holds the bad value
        }
    }

    [Theory]
    [InlineData(-40, -40, "Crossfade")] // both quiet
    [InlineData(-20, -16, "FadeOutOnly")] // a louder start: it comes in at full level over the fading end
    [InlineData(-45, -12, "FadeOutOnly")] // a loud start after a very quiet end
    [InlineData(-16, -22, "FadeInOnly")] // a quieter start fades in under the end
    [InlineData(-16, -28, "Sequence")] // 12 LU apart, the end louder: overlapping would mask the start
    [InlineData(-18, -45, "Sequence")] // a loud end into a quiet start
    [InlineData(-17, -16, "Crossfade")] // close, at the target
    [InlineData(-10, -11, "Sequence")] // both loud
    public void SmartRules_ByTheLevelsOnAir_RelativeToTheTarget(double end, double start, string expected)
    {
        var kind = Enum.Parse<TransitionKind>(expected);
        Assert.Equal(kind, TransitionRules.Choose(end, start, -16));
        Assert.Equal(kind, TransitionRules.Choose(end - 7, start - 7, -23)); // the same relative to an EBU R128 target
    }

    private static string Document(string automation, string shows) => $$"""
        {
          "timeZone": "UTC",
          "automation": { {{automation}} "playlist": { "items": ["."] } },
          "shows": [
            {{shows}}
          ]
        }
        """;
}
