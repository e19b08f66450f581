using System.Text.RegularExpressions;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using RadioServer.Tests.Infrastructure;
using RadioServer.Tests.Live;
using static Microsoft.Playwright.Assertions;

namespace RadioServer.Tests.Web;

/// <summary>
/// Live on the pages, in a real browser against the real server on a fake clock with a real source on a socket: the
/// hosts' Live panel, the listener page's (and the embed's) LIVE badge, the operators' Live sources; each checked by
/// axe-core in its live state.
/// </summary>
public sealed class LivePagesTests : IClassFixture<Browser>, IDisposable
{
    private const string HostKey = "host-key-for-live-page-tests";
    private const string OperatorKey = "operator-key-for-live-page-tests";

    private readonly Browser _browser;
    private readonly TempFolder _folder = new();
    private readonly string _mp3;

    public LivePagesTests(Browser browser)
    {
        _browser = browser;
        TestAudio.WriteToneWav(_folder.File("Auto - Filler.wav"), 440, 30);
        LiveHost.WriteSchedule(_folder.Path);
        _mp3 = Path.Combine(_folder.Path, "host.mp3");
        TestAudio.WriteToneMp3(_mp3, 1000, 60, channels: 1, bitrateKbps: 64);
    }

    public void Dispose() => _folder.Dispose();

    private static Dictionary<string, string?> Settings() =>
        LiveHost.Settings(("Radio:Auth:HostKey", HostKey), ("Radio:Auth:OperatorKey", OperatorKey), ("Radio:StationName", "Live FM"));

    private Task<TestStation> StartAsync(DateTimeOffset start, FakeHostAccounts? accounts = null) =>
        TestStation.StartAsync(_folder.Media, Settings(), services: LiveHost.Accounts(accounts), start: start);

    [Fact]
    public async Task HostsLivePanel_GoesFromStandbyWithACountdown_ToOnAirAtTheBoundary_AndShowsTheLevel()
    {
        await using var station = await StartAsync(LiveHost.SlotStart.AddSeconds(-30));
        await using var browser = await _browser.NewPageAsync(station.BaseUri);
        var page = browser.Page;
        await page.GotoAsync("/host");
        var state = page.Locator("#live-state");
        await Expect(state).ToHaveTextAsync("Not connected");
        await Expect(page.Locator("#live-mount")).ToHaveTextAsync("/live");
        await Expect(page.Locator("#live-port")).ToHaveTextAsync(station.BaseUri.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.Locator("#host-key").FillAsync(HostKey);

        // 11:59:30: the host connects in the show's early window and waits for the 12:00 boundary.
        await using var source = await TestSource.ConnectAsync(station, _mp3);
        await station.AdvanceLiveAsync(TimeSpan.FromSeconds(1), source);
        await Expect(state).ToHaveTextAsync($"Standby: connected, not on air yet · {LiveHost.Name}");
        await Expect(state).ToHaveAttributeAsync("role", "status");
        // 29 s to go on the server's clock (the browser's own clock is another day: it counts on from the server's).
        await Expect(page.Locator("#live-countdown")).ToHaveTextAsync(new Regex(@"^On air in 0:(29|2[0-8]) \(at 12:00:00\)$"));
        await Expect(page.Locator("#live-format")).ToHaveTextAsync("MP3 · 44.1 kHz · mono · 64 kbps");
        await Expect(page.Locator("#live-since")).ToHaveTextAsync("11:59:30");
        await Expect(page.Locator("#live-level-text")).ToHaveTextAsync(new Regex(@"^-[5-7]\.\d dBFS$")); // a 0.5 sine: -6 dBFS
        var level = await page.Locator("#live-level").EvaluateAsync<double>("m => m.value");
        Assert.InRange(level, -7.5, -5);
        await Expect(page.Locator("#live-go-now")).ToBeEnabledAsync();
        await AssertAccessibleAsync(page);

        // Past the boundary: on air, the countdown gone, nothing to go on air for.
        await station.AdvanceLiveAsync(TimeSpan.FromSeconds(30), source);
        Assert.True(station.Chain.LiveOnAir);
        await Expect(state).ToHaveTextAsync($"On air · {LiveHost.Name}");
        await Expect(state).ToHaveAttributeAsync("data-state", "onAir");
        await Expect(page.Locator("#live-countdown")).ToBeHiddenAsync();
        await Expect(page.Locator("#live-go-now")).ToBeDisabledAsync();
        await Expect(page.Locator("#live-end")).ToBeEnabledAsync();
        await Expect(page.Locator("#live-level-text")).ToHaveTextAsync(new Regex(@"^-[5-7]\.\d dBFS$"));
        await AssertAccessibleAsync(page);

        // End, confirmed: the server ends the source.
        page.Dialog += async (_, dialog) => await dialog.AcceptAsync();
        await page.Locator("#live-end").ClickAsync();
        await source.Closed.WaitAsync(LiveHost.Guard);
        await Expect(page.Locator("#live-action")).ToHaveTextAsync("Your source is ended.");
        browser.AssertNoErrors();
    }

    [Fact]
    public async Task ListenerPageAndEmbed_ShowLiveWithTheHostsName_WhileOnAir_AndNotAfter()
    {
        await using var station = await StartAsync(LiveHost.SlotStart.AddSeconds(1));
        await station.AdvanceAsync(TimeSpan.FromSeconds(0.5));
        await using var browser = await _browser.NewPageAsync(station.BaseUri);
        await using var embedBrowser = await _browser.NewPageAsync(station.BaseUri);
        var page = browser.Page;
        var embed = embedBrowser.Page;
        await page.GotoAsync("/");
        await embed.GotoAsync("/embed");
        foreach (var p in new[] { page, embed })
        {
            await Expect(p.Locator("#connection")).ToHaveAttributeAsync("data-state", "connected");
            await Expect(p.Locator("#now-playing")).ToHaveTextAsync("Auto - Filler");
            await Expect(p.Locator("#live")).ToBeEmptyAsync();
            await Expect(p.Locator("#live")).ToHaveAttributeAsync("aria-live", "polite");
        }

        await using var source = await TestSource.ConnectAsync(station, _mp3);
        await station.AdvanceLiveAsync(TimeSpan.FromSeconds(2), source);
        Assert.True(station.Chain.LiveOnAir);
        foreach (var p in new[] { page, embed })
        {
            await Expect(p.Locator("#live")).ToHaveTextAsync($"LIVE · {LiveHost.Name}");
            await Expect(p.Locator("#live .live-badge")).ToBeVisibleAsync();
            await Expect(p.Locator("#now-playing")).ToHaveTextAsync($"{LiveHost.Name} - {LiveHost.ShowTitle}");
            // The lock screen: the show and its host, with the station's image.
            await p.WaitForFunctionAsync($"() => radioPlayer.mediaSession && radioPlayer.mediaSession.title === '{LiveHost.ShowTitle}' && radioPlayer.mediaSession.artist === '{LiveHost.Name}'");
            Assert.Matches("/art/station-[0-9a-f]{24}/96$", await p.EvaluateAsync<string>("() => radioPlayer.mediaSession.artwork[0]"));
            await AssertAccessibleAsync(p);
        }

        // The source drops: once automation is heard again the badge is gone.
        source.Drop();
        await station.AdvanceLiveAsync(TimeSpan.FromSeconds(10));
        Assert.False(station.Chain.LiveOnAir);
        foreach (var p in new[] { page, embed })
        {
            await Expect(p.Locator("#live")).ToBeEmptyAsync();
            await Expect(p.Locator("#now-playing")).ToHaveTextAsync("Auto - Filler");
            await p.WaitForFunctionAsync("() => radioPlayer.mediaSession.title === 'Filler' && radioPlayer.mediaSession.artist === 'Auto'");
        }
        browser.AssertNoErrors();
        embedBrowser.AssertNoErrors();
    }

    /// <summary>player-live.js itself: the badge follows the ear (the stream time heard), not the message's arrival.</summary>
    [Fact]
    public async Task LiveBadge_WaitsUntilTheListenerHearsTheChange()
    {
        await using var station = await StartAsync(LiveHost.SlotStart);
        await using var browser = await _browser.NewPageAsync(station.BaseUri);
        var page = browser.Page;
        await page.GotoAsync("/");
        var shown = await page.EvaluateAsync<string[]>("""
            async () => {
              const { liveBadge } = await import('/player-live.js');
              const node = document.createElement('div');
              let heard = null;
              const badge = liveBadge(node, () => heard);
              const seen = [];
              const look = () => { badge.render(); seen.push(node.textContent); };
              const msg = (onAir, streamTime, host = 'Alex Morgan', master = false) =>
                ({ state: onAir ? 'onAir' : 'off', onAir, master, host, showTitle: 'Drive Time', streamPosition: streamTime * 16000, streamTime });
              badge.reset(msg(false, 0, null)); look();           // automation, not playing
              heard = 10; badge.push(msg(true, 12)); look();        // live from 12 s; the ear is at 10 s
              heard = 11.9; look();
              heard = 12; look();                                   // the ear reaches it
              badge.push(msg(false, 20)); look();                   // automation from 20 s
              heard = 19.5; look();
              heard = 20.1; look();
              heard = null; badge.push(msg(true, 30, null, true)); look(); // not playing: at once; the master has no host
              heard = 25; badge.reset(msg(true, 22)); look();       // a state whose change the ear has not reached yet
              return seen;
            }
            """);
        Assert.Equal(["", "", "", "LIVE · Alex Morgan", "LIVE · Alex Morgan", "LIVE · Alex Morgan", "", "LIVE", "LIVE · Alex Morgan"], shown);
        var before = await page.EvaluateAsync<string>("""
            async () => {
              const { liveBadge } = await import('/player-live.js');
              const node = document.createElement('div');
              const badge = liveBadge(node, () => 21.5);
              badge.reset({ state: 'onAir', onAir: true, master: false, host: 'Alex Morgan', showTitle: 'Drive Time', streamPosition: 352000, streamTime: 22 });
              return node.textContent;
            }
            """);
        Assert.Equal("", before); // before the change to live at 22 s, automation was heard
        browser.AssertNoErrors();
    }

    [Fact]
    public async Task OperatorsPage_ListsTheSource_EndEndsIt_AndEndAndBlockKeepsTheHostOut()
    {
        var accounts = LiveHost.Account();
        await using var station = await StartAsync(LiveHost.SlotStart.AddSeconds(1), accounts);
        await station.AdvanceAsync(TimeSpan.FromSeconds(0.5));
        await using var browser = await _browser.NewPageAsync(station.BaseUri);
        var page = browser.Page;
        page.Dialog += async (_, dialog) => await dialog.AcceptAsync();
        await page.GotoAsync("/operator");
        await page.GetByLabel("Operator key").FillAsync(OperatorKey);
        await page.Locator("#connect").ClickAsync();
        await Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", "connected");
        var rows = page.Locator("#live-rows tr[data-id]");
        await Expect(page.Locator("#live-rows")).ToHaveTextAsync("No live source connected.");

        var source = await TestSource.ConnectAsync(station, _mp3);
        await station.AdvanceLiveAsync(TimeSpan.FromSeconds(2), source);
        await Expect(rows).ToHaveCountAsync(1);
        var cells = rows.First.Locator("td");
        await Expect(cells.Nth(0)).ToHaveTextAsync(LiveHost.Name);
        await Expect(cells.Nth(1)).ToHaveTextAsync(LiveHost.UserAgent);
        await Expect(cells.Nth(2)).ToHaveTextAsync("127.0.0.1");
        await Expect(cells.Nth(3)).ToHaveTextAsync("MP3 44.1 kHz mono");
        await Expect(cells.Nth(4)).ToHaveTextAsync("64 kbps");
        await Expect(cells.Nth(5)).ToHaveTextAsync("12:00:01");
        await Expect(cells.Nth(6)).ToHaveTextAsync("heard");
        await Expect(cells.Nth(7)).ToHaveTextAsync(new Regex(@"-[5-7]\.\d dBFS$"));
        await Expect(page.Locator("#live-summary")).ToHaveTextAsync($"1 source; {LiveHost.Name} is on air");
        // The recent history: the item on air is the live segment.
        await Expect(page.Locator("#history-rows tr.playing")).ToContainTextAsync($"{LiveHost.Name} - {LiveHost.ShowTitle}");
        await Expect(page.Locator("#history-rows tr.playing .badge-live-segment")).ToHaveTextAsync("live");
        await AssertAccessibleAsync(page);

        // End: the server closes the source's connection, and the row goes.
        await page.GetByRole(AriaRole.Button, new() { Name = $"End: {LiveHost.Name}", Exact = true }).ClickAsync();
        await source.Closed.WaitAsync(LiveHost.Guard);
        await Expect(page.Locator("#live-action")).ToHaveTextAsync($"Ended {LiveHost.Name}.");
        await station.AdvanceLiveAsync(TimeSpan.FromSeconds(5));
        await Expect(rows).ToHaveCountAsync(0);
        // Automation again; the live segment's row, written when it ended, is marked live, the one after it is not.
        var history = page.Locator("#history-rows tr");
        await Expect(history.Filter(new() { HasText = $"{LiveHost.Name} - {LiveHost.ShowTitle}" }).Locator(".badge-live-segment")).ToHaveTextAsync("live");
        await Expect(page.Locator("#history-rows tr.playing")).ToContainTextAsync("Auto - Filler");
        await Expect(page.Locator("#history-rows tr.playing .badge-live-segment")).ToHaveCountAsync(0);
        await source.DisposeAsync();

        // The host reconnects (same slot); End and block for 15 minutes: ended, and the account is kept out that long.
        source = await TestSource.ConnectAsync(station, _mp3);
        await station.AdvanceLiveAsync(TimeSpan.FromSeconds(1), source);
        await Expect(rows).ToHaveCountAsync(1);
        await page.GetByLabel($"Minutes to block {LiveHost.Name}").FillAsync("15");
        var endedAt = station.Time!.GetUtcNow();
        await page.GetByRole(AriaRole.Button, new() { Name = $"End and block for 15 min: {LiveHost.Name}", Exact = true }).ClickAsync();
        await source.Closed.WaitAsync(LiveHost.Guard);
        await Expect(page.Locator("#live-action")).ToHaveTextAsync($"Ended {LiveHost.Name}; blocked for 15 minutes.");
        Assert.Equal(endedAt.AddMinutes(15), accounts.Verify(LiveHost.Name, LiveHost.Password)?.BlockedUntil);
        await source.DisposeAsync();
        await using var refused = await TestSource.ConnectAsync(station, _mp3);
        Assert.Contains(" 403 Forbidden", refused.Answer, StringComparison.Ordinal);
        browser.AssertNoErrors();
    }

    /// <summary>axe-core (WCAG rules, as shipped) finds nothing on the page as it is now.</summary>
    private static async Task AssertAccessibleAsync(IPage page)
    {
        var result = await page.RunAxe();
        Assert.True(result.Violations.Length == 0, $"axe on {page.Url}:\n" + string.Join("\n", result.Violations.Select(v =>
            $"{v.Id} ({v.Impact}): {v.Help}: {string.Join(", ", v.Nodes.Select(n => n.Html))}")));
    }
}
