using System.Text.Json;
using Microsoft.Playwright;
using RadioServer.Tests.Art;
using RadioServer.Tests.Infrastructure;
using SkiaSharp;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace RadioServer.Tests.Web;

/// <summary>
/// The phone listener's lock screen in Chromium: Media Session's metadata holds the title the ear hears (measured with
/// the Web Audio probe, as NOW PLAYING is), its play, pause and stop actions drive the player, and the cover beside
/// NOW PLAYING is the track's own or, where it has none, the station's image.
/// </summary>
public sealed class MediaSessionTests : IClassFixture<MediaBrowser>, IDisposable
{
    private const double LowHz = 500;
    private const double HighHz = 1200;

    /// <summary>Before the page's scripts: every action handler the page sets is kept where the test can call it.</summary>
    private const string RecordHandlers = """
        window.__actions = {};
        const set = navigator.mediaSession.setActionHandler.bind(navigator.mediaSession);
        navigator.mediaSession.setActionHandler = (action, handler) => { window.__actions[action] = handler; set(action, handler); };
        """;

    private readonly MediaBrowser _browser;
    private readonly ITestOutputHelper _output;
    private readonly TempFolder _folder = new();

    public MediaSessionTests(MediaBrowser browser, ITestOutputHelper output)
    {
        _browser = browser;
        _output = output;
    }

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Metadata_ChangesWithin100msOfTheToneTheElementPlays()
    {
        TestAudio.WriteToneWav(_folder.File("Low - Tone.wav"), LowHz, 3);
        TestAudio.WriteToneWav(_folder.File("High - Tone.wav"), HighHz, 3);
        WriteSchedule("""{ "timeZone": "UTC", "automation": { "playlist": { "items": ["Low - Tone.wav", "High - Tone.wav"] } }, "shows": [] }""");
        await using var station = await TestStation.StartAsync(_folder.Media, new Dictionary<string, string?> { ["Radio:StationName"] = "Lock FM" }, fakeTime: false);
        await using var browser = await _browser.NewPageAsync(station.BaseUri);
        var page = browser.Page;
        await page.GotoAsync("/");
        await EarProbe.PlayAsync(page);
        await EarProbe.StartAsync(page, LowHz, HighHz, mediaSession: true);
        await EarProbe.WaitAsync(page, 6);
        EarProbe.AssertInSync(await EarProbe.LeadsAsync(page, "Low - Tone", "High - Tone", _output), atLeast: 4);

        // What the lock screen shows besides the title: the station as the album (the tracks have none), its image as the art.
        var session = await page.EvaluateAsync<JsonElement>("() => radioPlayer.mediaSession");
        Assert.Equal("Lock FM", session.GetProperty("album").GetString());
        var artwork = session.GetProperty("artwork").EnumerateArray().Select(a => a.GetString()!).ToList();
        Assert.Equal(4, artwork.Count);
        Assert.All(artwork, a => Assert.Matches(@"/art/station-[0-9a-f]{24}/(96|192|256|512)$", a));
        browser.AssertNoErrors();
    }

    [Fact]
    public async Task PlayPauseAndStopActions_DriveThePlayer()
    {
        TestAudio.WriteToneWav(_folder.File("Alpha - One.wav"), 440, 3);
        WriteSchedule("""{ "timeZone": "UTC", "automation": { "playlist": { "items": ["Alpha - One.wav"] } }, "shows": [] }""");
        await using var station = await TestStation.StartAsync(_folder.Media, fakeTime: false);
        await using var browser = await _browser.NewPageAsync(station.BaseUri);
        var page = browser.Page;
        await page.AddInitScriptAsync(RecordHandlers);
        await page.GotoAsync("/");
        await page.WaitForFunctionAsync("() => radioPlayer.history.length > 0");
        var actions = await page.EvaluateAsync<string[]>("() => Object.keys(window.__actions).filter(k => typeof window.__actions[k] === 'function')");
        Assert.Superset(new HashSet<string> { "play", "pause", "stop" }, actions.ToHashSet());
        var play = page.Locator("#play");

        await page.EvaluateAsync("() => window.__actions.play({ action: 'play' })");
        await Expect(play).ToHaveAttributeAsync("aria-pressed", "true");
        await page.WaitForFunctionAsync("() => document.getElementById('audio').currentTime > 0.3", null, new() { Timeout = 8000 });
        Assert.Equal("playing", await page.EvaluateAsync<string>("() => navigator.mediaSession.playbackState"));

        // A live stream does not pause: pause stops it (a new play starts at the live edge).
        await page.EvaluateAsync("() => window.__actions.pause({ action: 'pause' })");
        await Expect(play).ToHaveAttributeAsync("aria-pressed", "false");
        Assert.True(await page.EvaluateAsync<bool>("() => document.getElementById('audio').paused"));
        Assert.Equal("paused", await page.EvaluateAsync<string>("() => navigator.mediaSession.playbackState"));

        await page.EvaluateAsync("() => window.__actions.play({ action: 'play' })");
        await page.WaitForFunctionAsync("() => !document.getElementById('audio').paused && document.getElementById('audio').currentTime > 0.3", null, new() { Timeout = 8000 });
        await page.EvaluateAsync("() => window.__actions.stop({ action: 'stop' })");
        await Expect(play).ToHaveAttributeAsync("aria-pressed", "false");
        Assert.True(await page.EvaluateAsync<bool>("() => document.getElementById('audio').paused && !document.getElementById('audio').hasAttribute('src')"));
        Assert.All(browser.Errors, e => Assert.Matches(@"^request failed: GET \S+/stream\?t=\d+: net::ERR_ABORTED", e));
    }

    [Fact]
    public async Task Cover_IsTheTracksOwn_TheStationsWhereItHasNone_AndOnTheLockScreen()
    {
        CoverArtTests.WriteMp3WithPicture(_folder.File("01 Cover - Song.mp3"), 500, CoverArtTests.Stripes(600, 600, SKColors.Blue, SKColors.Blue, SKColors.Blue));
        TestAudio.WriteToneWav(_folder.File("02 Plain - Song.wav"), 700, 2);
        WriteSchedule("""{ "timeZone": "UTC", "automation": { "playlist": { "items": ["01 Cover - Song.mp3", "02 Plain - Song.wav"] } }, "shows": [] }""");
        await using var station = await TestStation.StartAsync(_folder.Media);
        var cover = Assert.Single(station.Library.Tracks, t => t.ArtKey is not null).ArtKey;
        await station.AdvanceAsync(TimeSpan.FromSeconds(1));
        await using var browser = await _browser.NewPageAsync(station.BaseUri);
        var page = browser.Page;
        await page.GotoAsync("/");
        await Expect(page.Locator("#now-playing")).ToHaveTextAsync("Cover - Song");
        var art = page.Locator("#now-art");
        await Expect(art).ToBeVisibleAsync();
        await Expect(art).ToHaveAttributeAsync("src", $"/art/{cover}/192");
        await page.WaitForFunctionAsync("() => { const i = document.getElementById('now-art'); return i.complete && i.naturalWidth === 192; }");
        var session = await page.EvaluateAsync<JsonElement>("() => radioPlayer.mediaSession");
        Assert.Equal("Song", session.GetProperty("title").GetString());
        Assert.Equal("Cover", session.GetProperty("artist").GetString());
        Assert.Equal("Test Album", session.GetProperty("album").GetString());
        Assert.EndsWith($"/art/{cover}/512", session.GetProperty("artwork")[3].GetString(), StringComparison.Ordinal);

        // The next track has no cover: the station's image, on the page and the lock screen.
        await station.AdvanceAsync(TimeSpan.FromSeconds(2));
        await Expect(page.Locator("#now-playing")).ToHaveTextAsync("Plain - Song");
        await Expect(art).ToHaveAttributeAsync("src", new System.Text.RegularExpressions.Regex(@"^/art/station-[0-9a-f]{24}/192$"));
        await page.WaitForFunctionAsync("() => { const i = document.getElementById('now-art'); return i.complete && i.naturalWidth === 192; }");
        Assert.Matches(@"/art/station-[0-9a-f]{24}/96$", (await page.EvaluateAsync<JsonElement>("() => radioPlayer.mediaSession")).GetProperty("artwork")[0].GetString());
        await Accessibility.AssertNoViolationsAsync(page);
        browser.AssertNoErrors();
    }

    private void WriteSchedule(string json) => File.WriteAllText(Path.Combine(_folder.Path, "schedule.json"), json);
}
