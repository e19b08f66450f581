using System.Text.RegularExpressions;
using Microsoft.Playwright;
using RadioServer.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace RadioServer.Tests.Web;

/// <summary>The hosts' page (/host) in a real browser against the real server on a fake clock.</summary>
public sealed class HostPageTests : IClassFixture<Browser>, IDisposable
{
    private const string HostKey = "host-key-for-page-tests";

    // Thursday 2026-11-26 12:00 UTC: automation on air, "Drive Time" next at 16:00 today.
    private static readonly DateTimeOffset s_start = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    private static readonly Dictionary<string, string?> s_keys = new()
    {
        ["Radio:Auth:HostKey"] = HostKey,
        ["Radio:Auth:OperatorKey"] = "operator-key-for-page-tests",
    };

    private readonly Browser _browser;
    private readonly TempFolder _folder = new();
    private readonly string _schedulePath;

    public HostPageTests(Browser browser)
    {
        _browser = browser;
        TestAudio.WriteToneWav(_folder.File("Auto - Filler.wav"), 440, 2);
        TestAudio.WriteToneWav(_folder.File("Show - Opener.wav"), 1000, 2);
        _schedulePath = Path.Combine(_folder.Path, "schedule.json");
        File.WriteAllText(_schedulePath, DriveTime);
    }

    public void Dispose() => _folder.Dispose();

    /// <summary>Multi-line on purpose: the page reports line numbers.</summary>
    private const string DriveTime = """
        {
          "timeZone": "UTC",
          "automation": { "playlist": { "items": ["Auto - Filler.wav"] } },
          "shows": [
            {
              "id": "drive-time",
              "title": "Drive Time",
              "hosts": ["Alex Morgan"],
              "playlist": { "items": ["Show - Opener.wav"] },
              "slots": [
                { "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "16:00", "end": "18:00" }
              ]
            }
          ]
        }

        """;

    [Fact]
    public async Task HostPage_Loads_ShowsWeekGridAndScheduleInForce()
    {
        await using var station = await TestStation.StartAsync(_folder.Media, s_keys, start: s_start);
        await using var browser = await _browser.NewPageAsync(station.BaseUri);
        var page = browser.Page;

        var response = await page.GotoAsync("/host");
        Assert.Equal(200, response!.Status);

        // The editor holds the document in force, byte for byte as the API serves it.
        using var http = new HttpClient { BaseAddress = station.BaseUri };
        var served = await http.GetStringAsync("/api/schedule");
        Assert.Equal(DriveTime, served);
        await Expect(page.Locator("#schedule-json")).ToHaveValueAsync(served);
        await Expect(page.Locator("#status")).ToHaveTextAsync("Loaded the schedule in force.");

        // Now: the automation (12:00 is between yesterday's and today's show); next: Drive Time at 16:00 today.
        await Expect(page.Locator("#now-current")).Not.ToContainTextAsync("Loading");
        await Expect(page.Locator("#now-current .now-title")).ToContainTextAsync("automation");
        await Expect(page.Locator("#now-next")).Not.ToContainTextAsync("Loading");
        await Expect(page.Locator("#now-next .now-title")).ToHaveTextAsync("Drive Time");
        await Expect(page.Locator("#now-next .now-hosts")).ToHaveTextAsync("with Alex Morgan");
        await Expect(page.Locator("#now-next .now-time")).ToHaveTextAsync("16:00 - 18:00");
        await Expect(page.Locator("#station-clock")).ToContainTextAsync("12:00");

        // The week: seven day columns starting today, Drive Time 16:00 - 18:00 on each.
        var week = page.Locator("#week");
        await Expect(week.Locator(".day-col")).ToHaveCountAsync(7);
        await Expect(week.Locator(".day-head").First).ToContainTextAsync("Thu");
        await Expect(week.Locator(".day-head.today")).ToHaveCountAsync(1);
        var shows = week.Locator("li.block:not(.block-auto)");
        await Expect(shows).ToHaveCountAsync(7);
        foreach (var show in await shows.AllAsync())
        {
            await Expect(show.Locator(".b-title")).ToHaveTextAsync("Drive Time");
            await Expect(show.Locator(".b-time")).ToHaveTextAsync("16:00 - 18:00");
        }
        await Expect(week).Not.ToContainTextAsync("Loading");
        await Expect(page.Locator("#week-range")).ToContainTextAsync("(UTC)");

        browser.AssertNoErrors();
    }

    [Fact]
    public async Task HostPage_InvalidEdit_ShowsEveryReasonWithLine_AndNothingIsSaved()
    {
        await using var station = await TestStation.StartAsync(_folder.Media, s_keys, start: s_start);
        await using var browser = await _browser.NewPageAsync(station.BaseUri);
        var page = browser.Page;
        await page.GotoAsync("/host");
        await Expect(page.Locator("#schedule-json")).ToHaveValueAsync(DriveTime);
        var fileBefore = await File.ReadAllBytesAsync(_schedulePath);

        var invalid = DriveTime
            .Replace("\"timeZone\": \"UTC\"", "\"timeZone\": \"Nowhere/Land\"", StringComparison.Ordinal)
            .Replace("\"start\": \"16:00\"", "\"start\": \"25:00\"", StringComparison.Ordinal);
        Assert.NotEqual(DriveTime, invalid);
        var zoneLine = LineOf(invalid, "Nowhere/Land");
        var timeLine = LineOf(invalid, "25:00");
        await page.Locator("#schedule-json").FillAsync(invalid);

        await page.Locator("#validate").ClickAsync();
        await Expect(page.Locator("#status")).ToHaveTextAsync(new Regex("^Not valid: 2 errors\\."));
        await Expect(page.Locator("#status")).ToHaveAttributeAsync("data-kind", "error");
        var errors = page.Locator("#messages li.msg-error");
        await Expect(errors).ToHaveCountAsync(2);
        await Expect(page.Locator("#messages li.msg-warning")).ToHaveCountAsync(0);
        // Each reason with its line (as the server reported it, not guessed: no "~"), sorted by line.
        await Expect(errors.Nth(0).Locator(".msg-text")).ToContainTextAsync("Unknown time zone \"Nowhere/Land\"");
        await Expect(errors.Nth(0).Locator(".loc")).ToHaveTextAsync(new Regex($"^{zoneLine}:\\d+$"));
        await Expect(errors.Nth(0).Locator(".path")).ToHaveTextAsync("timeZone");
        await Expect(errors.Nth(1).Locator(".msg-text")).ToContainTextAsync("\"25:00\" is not a time of day");
        await Expect(errors.Nth(1).Locator(".loc")).ToHaveTextAsync(new Regex($"^{timeLine}:\\d+$"));
        await Expect(errors.Nth(1).Locator(".path")).ToHaveTextAsync("shows[0].slots[0].start");

        // Clicking a reason selects its line in the editor.
        await errors.Nth(1).Locator("button.msg-link").ClickAsync();
        var selected = await page.Locator("#schedule-json").EvaluateAsync<string>("t => t.value.slice(t.selectionStart, t.selectionEnd)");
        Assert.Contains("\"25:00\"", selected, StringComparison.Ordinal);

        // Save with the right key is refused as a whole: same reasons, nothing on disk or on air changes.
        await page.Locator("#host-key").FillAsync(HostKey);
        await page.Locator("#save").ClickAsync();
        await Expect(page.Locator("#status")).ToHaveTextAsync(new Regex("^Refused, nothing changed: 2 errors\\."));
        await Expect(page.Locator("#status")).ToHaveAttributeAsync("data-kind", "error");
        await Expect(errors).ToHaveCountAsync(2);

        Assert.Equal(fileBefore, await File.ReadAllBytesAsync(_schedulePath));
        Assert.False(File.Exists(_schedulePath + ".bak"));
        using var http = new HttpClient { BaseAddress = station.BaseUri };
        Assert.Equal(DriveTime, await http.GetStringAsync("/api/schedule"));
        Assert.Equal("Drive Time", Assert.Single(station.Schedule.Current.Shows).Title);
        await Expect(page.Locator("#now-next .now-title")).ToHaveTextAsync("Drive Time");

        browser.AssertNoErrors(400); // the refused PUT
    }

    [Fact]
    public async Task HostPage_SaveWithKey_AppliesTheScheduleAndRedrawsTheWeek()
    {
        await using var station = await TestStation.StartAsync(_folder.Media, s_keys, start: s_start);
        await using var browser = await _browser.NewPageAsync(station.BaseUri);
        var page = browser.Page;
        using var http = new HttpClient { BaseAddress = station.BaseUri };
        await page.GotoAsync("/host");
        await Expect(page.Locator("#schedule-json")).ToHaveValueAsync(DriveTime);
        await Expect(page.Locator("#week li.block:not(.block-auto) .b-title").First).ToHaveTextAsync("Drive Time");
        var status = page.Locator("#status");

        var edited = DriveTime.Replace("\"title\": \"Drive Time\"", "\"title\": \"Night Shift\"", StringComparison.Ordinal);
        Assert.NotEqual(DriveTime, edited);
        await page.Locator("#schedule-json").FillAsync(edited);

        // A wrong key: the server answers 401, the page says so, nothing changes.
        await page.Locator("#host-key").FillAsync("not-the-host-key");
        await page.Locator("#save").ClickAsync();
        await Expect(status).ToHaveTextAsync("Host key missing or not recognised (401): check the host key.");
        await Expect(status).ToHaveAttributeAsync("data-kind", "error");
        await Expect(page.Locator("#host-key")).ToBeFocusedAsync();
        Assert.Equal(DriveTime, await http.GetStringAsync("/api/schedule"));
        Assert.Equal(DriveTime, await File.ReadAllTextAsync(_schedulePath));

        // No key: the page does not even send the request.
        await page.Locator("#host-key").FillAsync("");
        await page.Locator("#save").ClickAsync();
        await Expect(status).ToHaveTextAsync("Host key missing: enter the host key to save.");
        Assert.Equal(DriveTime, await http.GetStringAsync("/api/schedule"));
        Assert.Equal(DriveTime, await File.ReadAllTextAsync(_schedulePath));
        await Expect(page.Locator("#week li.block:not(.block-auto) .b-title").First).ToHaveTextAsync("Drive Time");
        await Expect(page.Locator("#schedule-json")).ToHaveValueAsync(edited); // the edit is still there to retry

        // The right key: applied at once, written to disk, and the page redraws now/next and the week.
        await page.Locator("#host-key").FillAsync(HostKey);
        await page.Locator("#save").ClickAsync();
        await Expect(status).ToHaveTextAsync(new Regex("^Saved at .+: the new schedule is in force\\.$"));
        await Expect(status).ToHaveAttributeAsync("data-kind", "ok");
        await Expect(page.Locator("#messages li.msg-empty")).ToHaveTextAsync("No errors, no warnings.");
        Assert.Equal(edited, await http.GetStringAsync("/api/schedule"));
        Assert.Equal(edited, await File.ReadAllTextAsync(_schedulePath));
        Assert.Equal(DriveTime, await File.ReadAllTextAsync(_schedulePath + ".bak"));

        var shows = page.Locator("#week li.block:not(.block-auto)");
        await Expect(shows.Filter(new() { HasText = "Night Shift" })).ToHaveCountAsync(7);
        await Expect(page.Locator("#week")).Not.ToContainTextAsync("Drive Time");
        await Expect(shows.First.Locator(".b-time")).ToHaveTextAsync("16:00 - 18:00");
        await Expect(page.Locator("#now-next .now-title")).ToHaveTextAsync("Night Shift");

        browser.AssertNoErrors(401); // the wrong key
    }

    private static int LineOf(string text, string needle)
    {
        var index = text.IndexOf(needle, StringComparison.Ordinal);
        Assert.True(index >= 0, $"{needle} is not in the text");
        return text.AsSpan(0, index).Count('\n') + 1;
    }
}
