using System.Net.Http.Headers;
using Microsoft.Playwright;
using RadioServer.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace RadioServer.Tests.Web;

/// <summary>
/// What the four pages share (Web/wwwroot: format.js, time.js, hub.js, dom.js): they load as ES modules, write a
/// slot's times and hosts one way (the station widget's "7:00 - 9:00", "with Sam Rivera and Jo Lee"), and the
/// embed is the listener page itself in embed mode.
/// </summary>
public sealed class PagesTests : IClassFixture<Browser>, IDisposable
{
    private const string OperatorKey = "operator-key-for-pages-tests";

    // Thursday 2026-11-26 06:30 UTC = 07:30 in Berlin: the Morning Show (7:00 - 9:00 station time) is on air,
    // Late Night (22:00 - 2:00) is next.
    private static readonly DateTimeOffset s_morning = new(2026, 11, 26, 6, 30, 0, TimeSpan.Zero);

    private const string Week = """
        {
          "timeZone": "Europe/Berlin",
          "automation": { "playlist": { "items": ["Auto - Filler.wav"] } },
          "shows": [
            {
              "id": "morning-show",
              "title": "Morning Show",
              "hosts": ["Sam Rivera", "Jo Lee"],
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
              "id": "night-cap",
              "title": "Night Cap",
              "hosts": ["Ann", "Bo", "Cy"],
              "playlist": { "items": ["Show - Opener.wav"] },
              "slots": [{ "days": ["fri"], "start": "22:00", "end": "24:00" }]
            }
          ]
        }
        """;

    private readonly Browser _browser;
    private readonly TempFolder _folder = new();

    public PagesTests(Browser browser)
    {
        _browser = browser;
        TestAudio.WriteToneWav(_folder.File("Auto - Filler.wav"), 440, 3);
        TestAudio.WriteToneWav(_folder.File("Show - Opener.wav"), 1000, 3);
        File.WriteAllText(Path.Combine(_folder.Path, "schedule.json"), Week);
    }

    public void Dispose() => _folder.Dispose();

    private static Dictionary<string, string?> Settings() => new()
    {
        ["Radio:StationName"] = "Pages FM",
        ["Radio:Auth:OperatorKey"] = OperatorKey,
        ["Radio:Auth:HostKey"] = "host-key-for-pages-tests",
    };

    [Fact]
    public async Task ShowTimesAndHosts_AreWrittenOneWay_OnTheListenerHostsAndOperatorsPages()
    {
        await using var station = await TestStation.StartAsync(_folder.Media, Settings(), start: s_morning);
        await station.AdvanceAsync(TimeSpan.FromSeconds(1));
        await using var browser = await _browser.NewPageAsync(station.BaseUri);
        var page = browser.Page;

        // The listener page (and so the embed).
        await page.GotoAsync("/");
        await Expect(page.Locator("#on-air-title")).ToHaveTextAsync("Morning Show");
        await Expect(page.Locator("#on-air-times")).ToHaveTextAsync("7:00 - 9:00");
        await Expect(page.Locator("#on-air-hosts")).ToHaveTextAsync("with Sam Rivera and Jo Lee");
        await Expect(page.Locator("#on-air-next")).ToHaveTextAsync("Next: Late Night (22:00)");

        // The hosts' page: the same words for the same slot (it wrote "07:00 - 09:00" and "with Sam Rivera, Jo Lee").
        await page.GotoAsync("/host");
        await Expect(page.Locator("#now-current .now-title")).ToHaveTextAsync("Morning Show");
        await Expect(page.Locator("#now-current .now-time")).ToHaveTextAsync("7:00 - 9:00");
        await Expect(page.Locator("#now-current .now-hosts")).ToHaveTextAsync("with Sam Rivera and Jo Lee");
        await Expect(page.Locator("#now-next .now-time")).ToHaveTextAsync("22:00 - 2:00");
        var blocks = page.Locator("#week li.block:not(.block-auto)");
        var morning = blocks.Filter(new() { HasText = "Morning Show" });
        await Expect(morning).ToHaveCountAsync(7);
        foreach (var block in await morning.AllAsync())
        {
            await Expect(block.Locator(".b-time")).ToHaveTextAsync("7:00 - 9:00");
            await Expect(block.Locator(".b-hosts")).ToHaveTextAsync("Sam Rivera and Jo Lee");
            await Expect(block).ToHaveAttributeAsync("aria-label", "Morning Show, with Sam Rivera and Jo Lee, 7:00 - 9:00");
        }
        // Overnight: each day's part of the slot carries the whole slot's times.
        var lateNight = blocks.Filter(new() { HasText = "Late Night" });
        await Expect(lateNight.First).ToBeVisibleAsync();
        foreach (var block in await lateNight.AllAsync())
        {
            await Expect(block.Locator(".b-time")).ToHaveTextAsync("22:00 - 2:00");
        }
        var nightCap = blocks.Filter(new() { HasText = "Night Cap" });
        await Expect(nightCap).ToHaveCountAsync(1);
        await Expect(nightCap.Locator(".b-time")).ToHaveTextAsync("22:00 - 24:00");
        await Expect(nightCap.Locator(".b-hosts")).ToHaveTextAsync("Ann, Bo and Cy");

        // The operators' page (it wrote "07:00 - 09:00" and "with Sam Rivera, Jo Lee" too).
        await page.GotoAsync("/operator");
        await page.GetByLabel("Operator key").FillAsync(OperatorKey);
        await page.Locator("#connect").ClickAsync();
        await Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", "connected");
        await Expect(page.Locator("#slot-current-title")).ToHaveTextAsync("Morning Show");
        await Expect(page.Locator("#slot-current-time")).ToHaveTextAsync("7:00 - 9:00");
        await Expect(page.Locator("#slot-current-hosts")).ToHaveTextAsync("with Sam Rivera and Jo Lee");
        await Expect(page.Locator("#slot-next-time")).ToHaveTextAsync("22:00 - 2:00");
        await Expect(page.Locator("#slot-next-hosts")).ToHaveTextAsync("with Alex Morgan");

        browser.AssertNoErrors();
    }

    /// <summary>format.js and time.js themselves, imported into the page, for the cases a schedule rarely shows.</summary>
    [Fact]
    public async Task Format_WritesSlotsHostsAndTracks_InTheStationStyle()
    {
        await using var station = await TestStation.StartAsync(_folder.Media, Settings(), start: s_morning);
        await using var browser = await _browser.NewPageAsync(station.BaseUri);
        var page = browser.Page;
        await page.GotoAsync("/host");

        (string Expression, string Expected)[] cases =
        [
            ("f.slotTimes(slot('2026-11-26T07:00:00+01:00', '2026-11-26T09:00:00+01:00'))", "7:00 - 9:00"),
            ("f.slotTimes(slot('2026-11-26T13:05:00+01:00', '2026-11-26T15:30:00+01:00'))", "13:05 - 15:30"),
            ("f.slotTimes(slot('2026-11-26T22:00:00+01:00', '2026-11-27T02:00:00+01:00'))", "22:00 - 2:00"),
            ("f.slotTimes(slot('2026-11-26T22:00:00+01:00', '2026-11-27T00:00:00+01:00'))", "22:00 - 24:00"),
            ("f.slotTimes(slot('2026-11-26T00:00:00+01:00', '2026-11-27T00:00:00+01:00'))", "0:00 - 24:00"),
            ("f.slotTimes(slot('2026-11-26T09:00:00+01:00', '2026-11-28T09:00:00+01:00'))", "9:00 - Sat 9:00"),
            ("f.slotTimes(slot(null, '2026-11-26T09:00:00+01:00'))", "until Thu 9:00"),
            ("f.slotTimes(slot('2026-11-26T09:00:00+01:00', null))", "since Thu 9:00"),
            ("f.slotTimes(slot(null, null))", ""),
            ("f.slotTimes(slot('2026-11-27T07:00:00+01:00', '2026-11-27T09:00:00+01:00'), '2026-11-26')", "Fri 27 Nov, 7:00 - 9:00"),
            ("f.slotTimes(slot('2026-11-26T07:00:00+01:00', '2026-11-26T09:00:00+01:00'), '2026-11-26')", "7:00 - 9:00"),
            ("f.hostsText([])", ""),
            ("f.hostsText(['Sam Rivera'])", "with Sam Rivera"),
            ("f.hostsText(['Sam Rivera', 'Jo Lee'])", "with Sam Rivera and Jo Lee"),
            ("f.hostsText(['A', 'B', 'C'])", "with A, B and C"),
            ("f.nextText({ title: 'Morning Show', start: '2026-11-27T07:00:00+01:00', end: '2026-11-27T09:00:00+01:00' })", "Next: Morning Show (7:00)"),
            ("f.nextText({ title: 'Automation', isAutomation: true, start: '2026-11-27T07:00:00+01:00' })", ""),
            ("f.nextText(null)", ""),
            ("f.trackTitle({ displayTitle: 'Artist - Title', artist: 'x', title: 'y' })", "Artist - Title"),
            ("f.trackTitle({ artist: 'Artist', title: 'Title' })", "Artist - Title"),
            ("f.trackTitle({})", "Unknown"),
            // Station time from the slots' offset, whatever the browser's zone (UTC here).
            ("String(t.stationOffset([{ start: '2026-07-01T07:00:00+02:00' }]))", "120"),
            ("String(t.stationOffset([{ start: null, end: '2026-07-01T07:00:00-05:30' }]))", "-330"),
            ("String(t.stationOffset([]))", "null"),
            ("t.stationTimeOf(Date.parse('2026-11-26T06:05:00Z'), 60)", "7:05"),
            ("t.stationTimeOf(Date.parse('2026-11-26T06:05:00Z'), null)", "6:05"),
        ];
        var script = "async () => { const f = await import('/format.js'); const t = await import('/time.js');"
            + " const slot = (start, end) => ({ start, end }); return ["
            + string.Join(", ", cases.Select(c => c.Expression)) + "]; }";

        var actual = await page.EvaluateAsync<string[]>(script);

        Assert.Equal(cases.Length, actual.Length);
        for (var i = 0; i < cases.Length; i++)
        {
            Assert.True(cases[i].Expected == actual[i], $"{cases[i].Expression}: expected \"{cases[i].Expected}\", got \"{actual[i]}\"");
        }
        browser.AssertNoErrors();
    }

    [Fact]
    public async Task Embed_IsTheListenerPage_InEmbedMode()
    {
        await using var station = await TestStation.StartAsync(_folder.Media, Settings(), start: s_morning);
        await station.AdvanceAsync(TimeSpan.FromSeconds(1));

        // The same markup, byte for byte, but for the class that sets the mode (there from the first byte: no flash).
        using var http = new HttpClient { BaseAddress = station.BaseUri };
        using var full = await http.GetAsync("/");
        using var embed = await http.GetAsync("/embed");
        Assert.Equal("text/html", full.Content.Headers.ContentType?.MediaType);
        Assert.Equal(new MediaTypeHeaderValue("text/html") { CharSet = "utf-8" }, embed.Content.Headers.ContentType);
        var fullHtml = await full.Content.ReadAsStringAsync();
        var embedHtml = await embed.Content.ReadAsStringAsync();
        Assert.Contains("<html lang=\"en\" class=\"embed\">", embedHtml, StringComparison.Ordinal);
        Assert.Equal(fullHtml, embedHtml.Replace("<html lang=\"en\" class=\"embed\">", "<html lang=\"en\">", StringComparison.Ordinal));

        await using var browser = await _browser.NewPageAsync(station.BaseUri);
        var page = browser.Page;
        await page.SetViewportSizeAsync(390, 740);
        const string Ids = "() => [...document.querySelectorAll('[id]')].map(e => e.id)";
        string[] shownInBoth = ["#station-name", "#connection", "#on-air-title", "#on-air-hosts", "#on-air-times", "#now-playing", "#play", "#volume"];
        string[] fullOnly = ["#station-description", "#on-air-next", ".programme-link", "#recent", "#listeners"];

        await page.GotoAsync("/");
        await Expect(page.Locator("#now-playing")).ToHaveTextAsync("Show - Opener");
        var fullIds = await page.EvaluateAsync<string[]>(Ids);
        await Expect(page.Locator("html")).Not.ToHaveClassAsync("embed");
        foreach (var selector in shownInBoth.Concat(fullOnly))
        {
            await Expect(page.Locator(selector)).ToBeVisibleAsync();
        }
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Open the full player" })).ToHaveCountAsync(0);
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= 390"), "The page is wider than 390 px.");

        await page.GotoAsync("/embed");
        await Expect(page.Locator("html")).ToHaveClassAsync("embed");
        await Expect(page.Locator("#on-air-title")).ToHaveTextAsync("Morning Show");
        await Expect(page.Locator("#on-air-times")).ToHaveTextAsync("7:00 - 9:00");
        await Expect(page.Locator("#now-playing")).ToHaveTextAsync("Show - Opener");
        Assert.Equal(fullIds, await page.EvaluateAsync<string[]>(Ids));
        foreach (var selector in shownInBoth)
        {
            await Expect(page.Locator(selector)).ToBeVisibleAsync();
        }
        foreach (var selector in fullOnly.Append("#now-album").Append(".footer-line"))
        {
            await Expect(page.Locator(selector)).ToBeHiddenAsync();
        }
        await Expect(page.Locator("#play")).ToHaveAccessibleNameAsync("Play");
        var open = page.GetByRole(AriaRole.Link, new() { Name = "Open the full player" });
        await Expect(open).ToBeVisibleAsync();
        await Expect(open).ToHaveAttributeAsync("href", "/");
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= 390"), "The embed is wider than 390 px.");

        browser.AssertNoErrors();
    }

    [Theory]
    [InlineData("/", "window.radioPlayer !== undefined")]
    [InlineData("/embed", "window.radioPlayer !== undefined")]
    [InlineData("/host", "document.querySelector('#week .day-col') !== null")]
    [InlineData("/operator", "window.radioOperator !== undefined")]
    [InlineData("/schedule", "document.querySelector('.day .slot') !== null")]
    [InlineData("/schedule/embed", "document.querySelector('.day .slot') !== null")]
    public async Task Page_LoadsAsModules_WithoutErrors(string path, string ran)
    {
        await using var station = await TestStation.StartAsync(_folder.Media, Settings(), start: s_morning);
        await using var browser = await _browser.NewPageAsync(station.BaseUri);
        var page = browser.Page;

        await page.GotoAsync(path);
        await page.WaitForFunctionAsync($"() => {ran}");

        // Only the SignalR client is a classic script; everything of the station's own is a module.
        var classic = await page.EvaluateAsync<string[]>("() => [...document.scripts].filter(s => s.type !== 'module').map(s => new URL(s.src, location.href).pathname)");
        Assert.True(classic.All(src => src == "/lib/signalr/signalr.min.js"), $"{path} has classic scripts: {string.Join(", ", classic)}");
        Assert.NotEmpty(await page.EvaluateAsync<string[]>("() => [...document.scripts].filter(s => s.type === 'module').map(s => s.src)"));
        // Nothing of the pages lives on window any more but what tests read.
        Assert.True(await page.EvaluateAsync<bool>("() => window.StationDom === undefined"));
        await Expect(page.Locator("body")).Not.ToContainTextAsync("Loading");

        browser.AssertNoErrors();
    }
}
