using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using RadioServer.Tests.Infrastructure;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace RadioServer.Tests.Web;

/// <summary>
/// The listener page (/) and the compact player (/embed) in a real browser against the real server: ON AIR and
/// NOW PLAYING from the hub at /hubs/radio, the audio element, and the connection indicator across a restart.
/// </summary>
public sealed class ListenerPageTests : IClassFixture<MediaBrowser>, IDisposable
{
    // Thursday 2026-11-26 12:00 UTC = 13:00 in Berlin: "Lunch Live" (13:00 - 15:00 station time) is on air.
    private static readonly DateTimeOffset s_start = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    private const string StationName = "Test Wave FM";

    private const string LunchLive = """
        {
          "timeZone": "Europe/Berlin",
          "automation": { "playlist": { "items": ["Auto - Filler.wav"] } },
          "shows": [
            {
              "id": "lunch-live",
              "title": "Lunch Live",
              "hosts": ["Alex Morgan"],
              "playlist": { "items": ["Show - Opener.wav"] },
              "slots": [
                { "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "13:00", "end": "15:00" }
              ]
            },
            {
              "id": "drive-time",
              "title": "Drive Time",
              "hosts": ["Sam Lee", "Jo Park"],
              "playlist": { "items": ["Show - Opener.wav"] },
              "slots": [
                { "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "16:00", "end": "18:00" }
              ]
            }
          ]
        }
        """;

    /// <summary>Real-clock tests: two short tracks in turn, so the title changes every 2.5 s.</summary>
    private const string TwoShortTracks = """
        { "timeZone": "UTC", "automation": { "playlist": { "items": ["Alpha - One.wav", "Beta - Two.wav"] } }, "shows": [] }
        """;

    private readonly MediaBrowser _browser;
    private readonly ITestOutputHelper _output;
    private readonly TempFolder _folder = new();

    public ListenerPageTests(MediaBrowser browser, ITestOutputHelper output)
    {
        _browser = browser;
        _output = output;
        TestAudio.WriteToneWav(_folder.File("Auto - Filler.wav"), 440, 3);
        TestAudio.WriteToneWav(_folder.File("Show - Opener.wav"), 1000, 3);
        TestAudio.WriteToneWav(_folder.File("Alpha - One.wav"), 440, 2.5);
        TestAudio.WriteToneWav(_folder.File("Beta - Two.wav"), 660, 2.5);
    }

    public void Dispose() => _folder.Dispose();

    private void WriteSchedule(string json) => File.WriteAllText(Path.Combine(_folder.Path, "schedule.json"), json);

    private static Dictionary<string, string?> Named(string name) => new() { ["Radio:StationName"] = name };

    [Fact]
    public async Task Page_ShowsStationName_OnAirSlotInStationTime_AndNowPlaying()
    {
        WriteSchedule(LunchLive);
        await using var station = await TestStation.StartAsync(_folder.Media, Named(StationName), start: s_start);
        await station.AdvanceAsync(TimeSpan.FromSeconds(1)); // the show's first track is on air
        await using var browser = await _browser.NewPageAsync(station.BaseUri);
        var page = browser.Page;

        var response = await page.GotoAsync("/");
        Assert.Equal(200, response!.Status);

        await Expect(page.Locator("#station-name")).ToHaveTextAsync(StationName);
        await Expect(page.Locator("#on-air-title")).ToHaveTextAsync("Lunch Live");
        await Expect(page.Locator("#on-air-hosts")).ToHaveTextAsync("with Alex Morgan");
        // Station time (Berlin), not the browser's zone (UTC, where it would be 12:00 - 14:00).
        await Expect(page.Locator("#on-air-times")).ToHaveTextAsync("13:00 - 15:00");
        await Expect(page.Locator("#on-air")).ToContainTextAsync("Lunch Live");
        await Expect(page.Locator("#on-air")).ToContainTextAsync("13:00 - 15:00");
        await Expect(page.Locator("#now-playing")).ToHaveTextAsync("Show - Opener");
        await Expect(page.Locator("#now-playing")).ToHaveAttributeAsync("aria-live", "polite");
        await Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-icon", "radio");
        await Expect(page.Locator("#connection")).ToContainTextAsync("radio");
        await Expect(page.Locator("#play")).ToHaveAttributeAsync("aria-pressed", "false");
        await Expect(page.Locator("#play")).ToHaveAccessibleNameAsync("Play");
        await Expect(page.Locator("#volume")).ToHaveAccessibleNameAsync("Volume");
        await Expect(page.Locator("audio#audio")).ToHaveAttributeAsync("preload", "none");
        await Expect(page.Locator("body")).Not.ToContainTextAsync("Loading");

        // Usable on a 360 px phone: nothing wider than the screen.
        await page.SetViewportSizeAsync(360, 740);
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= 360"), "The page is wider than 360 px.");

        // The compact player for an iframe: the same ids, the same state.
        await page.GotoAsync("/embed");
        await Expect(page.Locator("#station-name")).ToHaveTextAsync(StationName);
        await Expect(page.Locator("#on-air")).ToContainTextAsync("Lunch Live");
        await Expect(page.Locator("#on-air-times")).ToHaveTextAsync("13:00 - 15:00");
        await Expect(page.Locator("#now-playing")).ToHaveTextAsync("Show - Opener");
        await Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-icon", "radio");
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= 360"), "The embed is wider than 360 px.");

        browser.AssertNoErrors();
    }

    [Fact]
    public async Task OnAir_FollowsTheSchedule_AsTheShowEnds()
    {
        WriteSchedule(LunchLive);
        // 13:59:58 UTC = 14:59:58 in Berlin: Lunch Live ends in 2 s, then automation until Drive Time at 16:00.
        await using var station = await TestStation.StartAsync(_folder.Media, Named(StationName), start: new DateTimeOffset(2026, 11, 26, 13, 59, 58, TimeSpan.Zero));
        await using var browser = await _browser.NewPageAsync(station.BaseUri);
        var page = browser.Page;
        await page.GotoAsync("/");
        await Expect(page.Locator("#on-air-title")).ToHaveTextAsync("Lunch Live");
        await Expect(page.Locator("#on-air-next")).ToContainTextAsync("Drive Time");

        await station.AdvanceAsync(TimeSpan.FromSeconds(3));

        await Expect(page.Locator("#on-air-times")).ToHaveTextAsync("15:00 - 16:00");
        await Expect(page.Locator("#on-air-title")).Not.ToHaveTextAsync("Lunch Live");
        await Expect(page.Locator("#on-air-hosts")).ToHaveTextAsync("");
        await Expect(page.Locator("#on-air-next")).ToContainTextAsync("Drive Time (16:00)");
        browser.AssertNoErrors();
    }

    [Fact]
    public async Task NowPlaying_ChangesWithinOneSecondOfTheTrackChange()
    {
        WriteSchedule(TwoShortTracks);
        await using var station = await TestStation.StartAsync(_folder.Media, Named(StationName), fakeTime: false);
        var changes = new ConcurrentQueue<(string Title, long AtMs)>();
        station.Chain.TrackChanged += mark => changes.Enqueue((mark.StreamTitle, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
        await using var browser = await _browser.NewPageAsync(station.BaseUri);
        var page = browser.Page;
        await page.GotoAsync("/");
        var nowPlaying = page.Locator("#now-playing");
        await Expect(nowPlaying).ToHaveTextAsync(new Regex("^(Alpha - One|Beta - Two)$"));
        // Record, in the page, when the title changes (same machine, same clock as the server's).
        await page.EvaluateAsync("""
            () => {
              window.__titles = [];
              new MutationObserver(() => window.__titles.push({ text: document.getElementById('now-playing').textContent, at: Date.now() }))
                .observe(document.getElementById('now-playing'), { childList: true, characterData: true, subtree: true });
            }
            """);
        var before = await nowPlaying.TextContentAsync();
        var next = before == "Alpha - One" ? "Beta - Two" : "Alpha - One";

        await Expect(nowPlaying).ToHaveTextAsync(next);

        var shown = (await page.EvaluateAsync<TitleChange[]>("() => window.__titles")).First(t => t.Text == next);
        var change = changes.Where(c => c.Title == next && c.AtMs <= shown.At + 50).MaxBy(c => c.AtMs);
        Assert.False(change == default, $"The server never changed to {next}.");
        var delay = shown.At - change.AtMs;
        _output.WriteLine($"{next}: on air at {change.AtMs}, on the page {delay} ms later");
        Assert.InRange(delay, -50, 1000);
        browser.AssertNoErrors();
    }

    [Fact]
    public async Task Play_StartsTheStream_CurrentTimeAdvances_AndStopEndsIt()
    {
        WriteSchedule(TwoShortTracks);
        await using var station = await TestStation.StartAsync(_folder.Media, Named(StationName), fakeTime: false);
        await using var browser = await _browser.NewPageAsync(station.BaseUri);
        var page = browser.Page;
        await page.GotoAsync("/");
        await Expect(page.Locator("#station-name")).ToHaveTextAsync(StationName);
        var play = page.Locator("#play");

        await play.ClickAsync();
        await Expect(play).ToHaveAttributeAsync("aria-pressed", "true");
        var src = await page.Locator("#audio").EvaluateAsync<string>("a => a.src");
        Assert.Matches(@"/stream\?t=\d+$", src);
        await page.WaitForFunctionAsync("() => document.getElementById('audio').currentTime > 1.0", null, new() { Timeout = 8000 });
        Assert.True(await page.EvaluateAsync<bool>("() => !document.getElementById('audio').paused"));
        await Expect(page.Locator("#player-status")).ToHaveTextAsync("Playing live.");
        Assert.True(station.Listeners.Count >= 1, "The server does not see the page as a listener.");

        await play.ClickAsync();
        await Expect(play).ToHaveAttributeAsync("aria-pressed", "false");
        Assert.True(await page.EvaluateAsync<bool>("() => document.getElementById('audio').paused && !document.getElementById('audio').hasAttribute('src')"));

        // Again: a new request (a live stream cannot resume), so a new URL.
        await play.ClickAsync();
        await Expect(play).ToHaveAttributeAsync("aria-pressed", "true");
        Assert.NotEqual(src, await page.Locator("#audio").EvaluateAsync<string>("a => a.src"));
        await page.WaitForFunctionAsync("() => document.getElementById('audio').currentTime > 0.2", null, new() { Timeout = 8000 });
        await play.ClickAsync();
        await Expect(play).ToHaveAttributeAsync("aria-pressed", "false");

        // Stopping aborts the stream request on purpose; nothing else may go wrong.
        Assert.All(browser.Errors, e => Assert.Matches(@"^request failed: GET \S+/stream\?t=\d+: net::ERR_ABORTED", e));
    }

    [Fact]
    public async Task WhilePlaying_NowPlayingWaitsUntilTheListenerHearsTheTrack()
    {
        WriteSchedule(TwoShortTracks);
        // A 2 s burst (32768 bytes at 128 kbps) keeps the test short; the page reads it from the state.
        var settings = Named(StationName);
        settings["Radio:BurstSizeBytes"] = "32768";
        await using var station = await TestStation.StartAsync(_folder.Media, settings, fakeTime: false);
        var changes = new ConcurrentQueue<(string Title, long AtMs)>();
        station.Chain.TrackChanged += mark => changes.Enqueue((mark.StreamTitle, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
        await using var browser = await _browser.NewPageAsync(station.BaseUri);
        var page = browser.Page;
        await page.GotoAsync("/");
        await Expect(page.Locator("#station-name")).ToHaveTextAsync(StationName);
        var burst = await page.EvaluateAsync<double>("() => radioPlayer.burstSeconds");
        Assert.InRange(burst, 2.0, 2.1);
        // On air long enough that a new listener gets the whole burst.
        await page.WaitForFunctionAsync($"() => radioPlayer.liveNow() > {(burst + 0.3).ToString(System.Globalization.CultureInfo.InvariantCulture)}");

        await page.EvaluateAsync("() => document.getElementById('play').addEventListener('click', () => { window.__playAt = Date.now(); })");
        await page.Locator("#play").ClickAsync();
        // From here on the title only moves forward, each time the ear reaches the next track.
        await page.EvaluateAsync("""
            () => {
              window.__titles = [];
              new MutationObserver(() => window.__titles.push({
                text: document.getElementById('now-playing').textContent,
                at: Date.now(),
                currentTime: document.getElementById('audio').currentTime,
              })).observe(document.getElementById('now-playing'), { childList: true, characterData: true, subtree: true });
            }
            """);
        await page.WaitForFunctionAsync("() => window.__titles.length > 0", null, new() { Timeout = 8000 });
        var shown = (await page.EvaluateAsync<TitleChange[]>("() => window.__titles"))[0];
        Assert.True(shown.CurrentTime > 0, "The audio is not playing.");
        var playAt = await page.EvaluateAsync<long>("() => window.__playAt");

        // The listener hears a track a burst after the server put it on air (the audio the player got at once
        // comes first), plus however long the player took to start: the page shows it then, not at once.
        var change = changes.Where(c => c.Title == shown.Text && c.AtMs <= shown.At).MaxBy(c => c.AtMs);
        Assert.False(change == default, $"The server never changed to {shown.Text}.");
        var delay = (shown.At - change.AtMs) / 1000.0;
        var startup = ((shown.At - playAt) / 1000.0) - shown.CurrentTime;
        _output.WriteLine($"{shown.Text}: on air at {change.AtMs}, on the page {delay:0.000} s later (burst {burst:0.000} s, player start-up {startup:0.000} s)");
        Assert.InRange(delay, burst - 0.3, burst + 3);
        Assert.InRange(delay - (burst + startup), -0.3, 0.5);

        await page.Locator("#play").ClickAsync();
        await Expect(page.Locator("#play")).ToHaveAttributeAsync("aria-pressed", "false");
        Assert.All(browser.Errors, e => Assert.Matches(@"^request failed: GET \S+/stream\?t=\d+: net::ERR_ABORTED", e));
    }

    [Fact]
    public async Task ServerGoesAway_ShowsDisconnected_AndANewServerOnTheSameUrlRestoresTheStateWithoutAReload()
    {
        WriteSchedule(LunchLive);
        var urls = $"http://127.0.0.1:{FreePort()}";
        var station = await TestStation.StartAsync(_folder.Media, Named(StationName), start: s_start, urls: urls);
        await using var browser = await _browser.NewPageAsync(station.BaseUri);
        var page = browser.Page;
        var connection = page.Locator("#connection");
        try
        {
            await page.GotoAsync("/");
            await Expect(page.Locator("#station-name")).ToHaveTextAsync(StationName);
            await Expect(page.Locator("#on-air-title")).ToHaveTextAsync("Lunch Live");
            await Expect(connection).ToHaveAttributeAsync("data-icon", "radio");
            await page.EvaluateAsync("() => { window.__samePage = true; }");
            browser.AssertNoErrors();
        }
        finally
        {
            await station.DisposeAsync();
        }

        await Expect(connection).ToContainTextAsync("signal_disconnected");
        await Expect(connection).ToHaveAttributeAsync("data-icon", "signal_disconnected");
        Assert.Contains("signal_disconnected", await page.EvaluateAsync<string>("() => document.querySelector('#connection').textContent"), StringComparison.Ordinal);

        // A new station on the same address, with another name and two hours later: Drive Time is on air.
        await using var again = await TestStation.StartAsync(_folder.Media, Named("Second Wave FM"), start: s_start.AddHours(3.5), urls: urls);
        await Expect(connection).ToHaveAttributeAsync("data-icon", "radio");
        await Expect(connection).Not.ToContainTextAsync("signal_disconnected");
        await Expect(page.Locator("#station-name")).ToHaveTextAsync("Second Wave FM");
        await Expect(page.Locator("#on-air-title")).ToHaveTextAsync("Drive Time");
        await Expect(page.Locator("#on-air-hosts")).ToHaveTextAsync("with Sam Lee and Jo Park");
        await Expect(page.Locator("#on-air-times")).ToHaveTextAsync("16:00 - 18:00");
        Assert.True(await page.EvaluateAsync<bool>("() => window.__samePage === true"), "The page was reloaded.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A change of #now-playing recorded in the page (Playwright fills it by property name).</summary>
    private sealed class TitleChange
    {
        public string Text { get; set; } = "";

        public long At { get; set; }

        public double CurrentTime { get; set; }
    }
}
