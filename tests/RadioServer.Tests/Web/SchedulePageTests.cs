using System.Net.Http.Headers;
using Microsoft.Playwright;
using RadioServer.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace RadioServer.Tests.Web;

/// <summary>
/// The listeners' programme (/schedule) and its embed (/schedule/embed) in a real browser against the real server
/// on a fake clock: the week by day in station time, today first, and the slot on air marked as the clock moves.
/// </summary>
public sealed class SchedulePageTests : IClassFixture<Browser>, IDisposable
{
    // Thursday 2026-11-26 07:30 UTC = 07:30 in London (winter): the Morning Show (7:00 - 9:00) is on air.
    private static readonly DateTimeOffset s_morning = new(2026, 11, 26, 7, 30, 0, TimeSpan.Zero);

    private const string Week = """
        {
          "timeZone": "Europe/London",
          "automation": { "title": "Non-stop Music", "playlist": { "items": ["Auto - Filler.wav"] } },
          "shows": [
            {
              "id": "morning-show",
              "title": "Morning Show",
              "hosts": ["Sam Rivera", "Jo Lee"],
              "description": "News, weather and the first coffee.",
              "playlist": { "items": ["Show - Opener.wav"] },
              "slots": [{ "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "07:00", "end": "09:00" }]
            },
            {
              "id": "late-night",
              "title": "Late Night",
              "hosts": ["Alex Morgan"],
              "playlist": { "items": ["Show - Opener.wav"] },
              "slots": [{ "days": ["mon", "tue", "wed", "thu"], "start": "22:00", "end": "02:00" }]
            },
            {
              "id": "match-day",
              "title": "Match Day",
              "hosts": ["Ann", "Bo", "Cy"],
              "playlist": { "items": ["Show - Opener.wav"] },
              "slots": [{ "date": "2026-11-28", "start": "14:00", "end": "16:00" }]
            }
          ]
        }
        """;

    private static readonly string[] s_days =
    [
        "Thursday 26 November today", "Friday 27 November", "Saturday 28 November", "Sunday 29 November",
        "Monday 30 November", "Tuesday 1 December", "Wednesday 2 December",
    ];

    private readonly Browser _browser;
    private readonly TempFolder _folder = new();

    public SchedulePageTests(Browser browser)
    {
        _browser = browser;
        TestAudio.WriteToneWav(_folder.File("Auto - Filler.wav"), 440, 2);
        TestAudio.WriteToneWav(_folder.File("Show - Opener.wav"), 1000, 2);
        File.WriteAllText(Path.Combine(_folder.Path, "schedule.json"), Week);
    }

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Schedule_ShowsTheWeekTodayFirst_AndMovesTheOnAirMarkAsTheClockMoves()
    {
        await using var station = await TestStation.StartAsync(_folder.Media, new Dictionary<string, string?> { ["Radio:StationName"] = "Harbour FM" }, start: s_morning);
        await using var browser = await _browser.NewPageAsync(station.BaseUri);
        var page = browser.Page;

        var response = await page.GotoAsync("/schedule");
        Assert.Equal(200, response!.Status);
        await Expect(page).ToHaveTitleAsync("This week's programme · Harbour FM");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("This week's programme");
        await Expect(page.Locator("#zone")).ToHaveTextAsync("Times are station time (Europe/London).");

        // Seven days, today first, each headed with its date.
        var days = page.Locator("section.day");
        await Expect(days.Locator("h2")).ToHaveTextAsync(s_days);
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Thursday 26 November today" })).ToHaveCountAsync(1);

        // Today: yesterday's Late Night still on at midnight (with its day), the automation in the gaps, today's shows.
        var today = days.First;
        await Expect(today.Locator(".slot-time")).ToHaveTextAsync(["Wed 25 Nov, 22:00 - 2:00", "2:00 - 7:00", "7:00 - 9:00", "9:00 - 22:00", "22:00 - 2:00"]);
        await Expect(today.Locator(".slot-name")).ToHaveTextAsync(["Late Night", "Non-stop Music", "Morning Show", "Non-stop Music", "Late Night"]);
        await Expect(today.Locator(".slot-auto")).ToHaveCountAsync(2);

        // The Morning Show every day, with its hosts; Late Night is listed on the day it starts only.
        var morning = page.Locator(".slot").Filter(new() { HasText = "Morning Show" });
        await Expect(morning).ToHaveCountAsync(7);
        foreach (var slot in await morning.AllAsync())
        {
            await Expect(slot.Locator(".slot-time")).ToHaveTextAsync("7:00 - 9:00");
            await Expect(slot.Locator(".slot-hosts")).ToHaveTextAsync("with Sam Rivera and Jo Lee");
            await Expect(slot.Locator(".slot-desc")).ToHaveTextAsync("News, weather and the first coffee.");
        }
        await Expect(page.Locator(".slot").Filter(new() { HasText = "Late Night" })).ToHaveCountAsync(5); // last Wednesday's (still on at midnight), Thursday, Monday, Tuesday, Wednesday
        await Expect(days.Nth(1).Locator(".slot-time")).ToHaveTextAsync(["2:00 - 7:00", "7:00 - 9:00", "9:00 - 24:00"]);
        var saturday = days.Nth(2);
        await Expect(saturday.Locator(".slot-time")).ToHaveTextAsync(["0:00 - 7:00", "7:00 - 9:00", "9:00 - 14:00", "14:00 - 16:00", "16:00 - 24:00"]);
        var matchDay = saturday.Locator(".slot").Filter(new() { HasText = "Match Day" });
        await Expect(matchDay.Locator(".slot-hosts")).ToHaveTextAsync("with Ann, Bo and Cy");
        await Expect(matchDay.Locator(".badge-oneoff")).ToHaveTextAsync("one-off");

        // On air: the Morning Show today, the one slot the clock is inside; on screen and for screen readers.
        var onAir = page.Locator(".slot[aria-current=\"true\"]");
        await Expect(onAir).ToHaveCountAsync(1);
        await Expect(today.Locator(".slot[aria-current=\"true\"] .slot-name")).ToHaveTextAsync("Morning Show");
        await Expect(onAir.Locator(".slot-time")).ToHaveTextAsync("7:00 - 9:00");
        await Expect(onAir.Locator(".badge-on-air")).ToHaveTextAsync("On air");
        await Expect(onAir.Locator(".badge-on-air")).ToBeVisibleAsync();
        await Expect(page.Locator(".badge-on-air")).ToHaveCountAsync(1);

        // 9:30: the show is over, the automation until Late Night is on air.
        station.Time!.Advance(TimeSpan.FromHours(2));
        await Refresh(page);
        await Expect(today.Locator(".slot[aria-current=\"true\"] .slot-time")).ToHaveTextAsync("9:00 - 22:00");
        await Expect(onAir).ToHaveCountAsync(1);
        await Expect(onAir.Locator(".slot-name")).ToHaveTextAsync("Non-stop Music"); // the schedule's automation title
        await Expect(morning.First).Not.ToHaveAttributeAsync("aria-current", "true");

        // 22:30: today's Late Night, not yesterday's (the same show, listed on the same day).
        station.Time.Advance(TimeSpan.FromHours(13));
        await Refresh(page);
        await Expect(today.Locator(".slot[aria-current=\"true\"] .slot-time")).ToHaveTextAsync("22:00 - 2:00");
        await Expect(onAir).ToHaveCountAsync(1);
        await Expect(onAir.Locator(".slot-name")).ToHaveTextAsync("Late Night");

        browser.AssertNoErrors();
    }

    [Fact]
    public async Task Embed_IsTheSchedulePage_Compact_WithItsLinksInANewTab()
    {
        await using var station = await TestStation.StartAsync(_folder.Media, start: s_morning);

        // The same markup, byte for byte, but for the class that sets the mode.
        using var http = new HttpClient { BaseAddress = station.BaseUri };
        using var full = await http.GetAsync("/schedule");
        using var embed = await http.GetAsync("/schedule/embed");
        Assert.Equal(new MediaTypeHeaderValue("text/html") { CharSet = "utf-8" }, embed.Content.Headers.ContentType);
        var embedHtml = await embed.Content.ReadAsStringAsync();
        Assert.Contains("<html lang=\"en\" class=\"embed\">", embedHtml, StringComparison.Ordinal);
        Assert.Equal(await full.Content.ReadAsStringAsync(), embedHtml.Replace("<html lang=\"en\" class=\"embed\">", "<html lang=\"en\">", StringComparison.Ordinal));

        await using var browser = await _browser.NewPageAsync(station.BaseUri);
        var page = browser.Page;
        await page.SetViewportSizeAsync(390, 740);

        await page.GotoAsync("/schedule");
        await Expect(page.Locator("html")).Not.ToHaveClassAsync("embed");
        await Expect(page.Locator("section.day h2")).ToHaveTextAsync(s_days);
        var toPlayer = page.GetByRole(AriaRole.Link, new() { Name = "Listen live" });
        await Expect(toPlayer).ToBeVisibleAsync();
        await Expect(toPlayer).ToHaveAttributeAsync("href", "/");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Open the full programme" })).ToHaveCountAsync(0);
        await Expect(page.Locator(".slot-desc").First).ToBeVisibleAsync();
        var fullHeight = await page.EvaluateAsync<int>("() => document.documentElement.scrollHeight");

        await page.GotoAsync("/schedule/embed");
        await Expect(page.Locator("html")).ToHaveClassAsync("embed");
        await Expect(page.Locator("section.day h2")).ToHaveTextAsync(s_days);
        await Expect(page.Locator("section.day").First.Locator(".slot-time")).ToHaveTextAsync(["Wed 25 Nov, 22:00 - 2:00", "2:00 - 7:00", "7:00 - 9:00", "9:00 - 22:00", "22:00 - 2:00"]);
        await Expect(page.Locator(".slot[aria-current=\"true\"] .slot-name")).ToHaveTextAsync("Morning Show");
        await Expect(page.Locator(".badge-on-air")).ToBeVisibleAsync();
        // Compact: no page chrome, no descriptions, a good deal shorter; its one link opens in a new tab.
        await Expect(toPlayer).ToBeHiddenAsync();
        await Expect(page.Locator(".slot-desc").First).ToBeHiddenAsync();
        var embedHeight = await page.EvaluateAsync<int>("() => document.documentElement.scrollHeight");
        Assert.True(embedHeight < fullHeight * 0.8, $"The embed is {embedHeight} px high, the page {fullHeight} px.");
        var open = page.GetByRole(AriaRole.Link, new() { Name = "Open the full programme" });
        await Expect(open).ToBeVisibleAsync();
        await Expect(open).ToHaveAttributeAsync("href", "/schedule");
        await Expect(open).ToHaveAttributeAsync("target", "_blank");
        await Expect(open).ToHaveAttributeAsync("rel", "noopener");
        await Expect(page.GetByRole(AriaRole.Link)).ToHaveCountAsync(1);

        browser.AssertNoErrors();
    }

    [Theory]
    [InlineData("/schedule", 1280)]
    [InlineData("/schedule", 390)]
    [InlineData("/schedule/embed", 1280)]
    [InlineData("/schedule/embed", 390)]
    public async Task Page_HasNoAccessibilityViolations_AndNoSidewaysScroll(string path, int width)
    {
        await using var station = await TestStation.StartAsync(_folder.Media, start: s_morning);
        await using var browser = await _browser.NewPageAsync(station.BaseUri);
        var page = browser.Page;
        await page.SetViewportSizeAsync(width, 800);

        await page.GotoAsync(path);
        await Expect(page.Locator("section.day")).ToHaveCountAsync(7);
        await Expect(page.Locator(".badge-on-air")).ToBeVisibleAsync();

        await Accessibility.AssertNoViolationsAsync(page);
        var scrollWidth = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
        Assert.True(scrollWidth <= width, $"{path} is {scrollWidth} px wide in a {width} px window.");
        browser.AssertNoErrors();
    }

    [Fact]
    public async Task FailedLoad_SaysSo_AndTryAgainLoadsThePage()
    {
        await using var station = await TestStation.StartAsync(_folder.Media, start: s_morning);
        await using var browser = await _browser.NewPageAsync(station.BaseUri);
        var page = browser.Page;
        const string WeekApi = "**/api/schedule/week";
        await page.RouteAsync(WeekApi, route => route.FulfillAsync(new() { Status = 503, ContentType = "application/problem+json", Body = "{}" }));

        await page.GotoAsync("/schedule");
        var status = page.Locator("#status");
        var retry = page.GetByRole(AriaRole.Button, new() { Name = "Try again" });
        await Expect(status).ToHaveTextAsync("Could not load the programme (HTTP 503). Trying again in 5 s.");
        await Expect(retry).ToBeVisibleAsync();
        await Expect(page.Locator("#days")).Not.ToContainTextAsync("Loading");
        await Expect(page.Locator("section.day")).ToHaveCountAsync(0);
        await Accessibility.AssertNoViolationsAsync(page);

        await page.UnrouteAsync(WeekApi);
        await retry.ClickAsync();
        await Expect(page.Locator("section.day")).ToHaveCountAsync(7);
        await Expect(status).ToBeEmptyAsync();
        await Expect(retry).ToBeHiddenAsync();

        // A refresh that fails keeps the programme as it was and says it may be out of date.
        await page.RouteAsync(WeekApi, route => route.FulfillAsync(new() { Status = 503, ContentType = "application/problem+json", Body = "{}" }));
        await Refresh(page);
        await Expect(status).ToHaveTextAsync("Could not update the programme (HTTP 503); it may be out of date. Trying again in 5 s.");
        await Expect(page.Locator("section.day")).ToHaveCountAsync(7);
        await Expect(page.Locator(".slot[aria-current=\"true\"] .slot-name")).ToHaveTextAsync("Morning Show");

        browser.AssertNoErrors(503);
    }

    /// <summary>What the page does when its tab is shown again: fetch /now and /week at once.</summary>
    private static Task Refresh(IPage page) => page.EvaluateAsync("() => document.dispatchEvent(new Event('visibilitychange'))");
}
