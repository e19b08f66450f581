using RadioServer.Tests.Hls;
using RadioServer.Tests.Infrastructure;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace RadioServer.Tests.Web;

/// <summary>
/// The listener page in its HLS mode (?hls=1, hls.js on Media Source Extensions) in Chromium against the real
/// server: it plays /hls/live.m3u8 (asked, on the real clock; unasked, on the fake one), and NOW PLAYING changes when the ear hears the new track.
/// "When the ear hears it" is measured in the page with a Web Audio analyser on the &lt;audio&gt; element (EarProbe): two
/// tone tracks (440 and 660 Hz, hard cuts), and the instant the louder tone flips.
/// </summary>
[Collection(RealTimeSources.Name)]
public sealed class HlsPlayerTests : IClassFixture<MediaBrowser>, IDisposable
{
    private readonly MediaBrowser _browser;
    private readonly ITestOutputHelper _output;
    private readonly TempFolder _folder = new();

    public HlsPlayerTests(MediaBrowser browser, ITestOutputHelper output)
    {
        _browser = browser;
        _output = output;
        TestAudio.WriteToneWav(_folder.File("Alpha - One.wav"), 440, 3);
        TestAudio.WriteToneWav(_folder.File("Beta - Two.wav"), 660, 3);
    }

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task HlsMode_PlaysThePlaylist_AndShowsEachTitleWithin100msOfItsAudio()
    {
        File.WriteAllText(Path.Combine(_folder.Path, "schedule.json"),
            """{ "timeZone": "UTC", "automation": { "playlist": { "items": ["Alpha - One.wav", "Beta - Two.wav"] } }, "shows": [] }""");
        var settings = new Dictionary<string, string?>
        {
            ["Radio:StationName"] = "HLS Wave",
            ["Radio:Sound:CrossfadeSeconds"] = "0", // hard cuts: the tone flips at one instant
            ["Radio:Hls:SegmentSeconds"] = "1", // short segments keep the test short; the player sits 3 behind the edge
            ["Radio:Hls:WindowSegments"] = "6",
        };
        await using var station = await TestStation.StartAsync(_folder.Media, settings, fakeTime: false);
        await using var browser = await _browser.NewPageAsync(station.BaseUri);
        var page = browser.Page;
        var streamRequests = 0;
        page.Request += (_, request) => streamRequests += request.Url.Contains("/stream", StringComparison.Ordinal) ? 1 : 0;
        await page.GotoAsync("/?hls=1");
        await Expect(page.Locator("#station-name")).ToHaveTextAsync("HLS Wave");
        // Enough segments for hls.js to start three behind the live edge.
        await page.WaitForFunctionAsync("() => radioPlayer.liveNow() > 5", null, new() { Timeout = 15_000 });

        await page.Locator("#play").ClickAsync();
        await page.WaitForFunctionAsync("() => document.getElementById('audio').currentTime > 0.2", null, new() { Timeout = 15_000 });
        await EarProbe.StartAsync(page, 440, 660);
        // Four tone changes heard (3 s apart), each with its title change.
        await EarProbe.WaitAsync(page, 4, 40_000);
        Assert.True(await page.EvaluateAsync<bool>("() => radioPlayer.hls"), "the page is not playing HLS");
        Assert.Equal(0, streamRequests);
        // Within 100 ms of the element's audio, as on the direct stream and on an edge (EarSyncTests).
        EarProbe.AssertInSync(await EarProbe.LeadsAsync(page, "Alpha - One", "Beta - Two", _output), atLeast: 3);
        await page.Locator("#play").ClickAsync();
        await Expect(page.Locator("#play")).ToHaveAttributeAsync("aria-pressed", "false");
        browser.AssertNoErrors();
    }

    [Theory]
    [InlineData("/", true)] // the element refuses audio/mpeg: HLS unasked
    [InlineData("/?hls=0", false)] // asked not to
    public async Task Play_WhereTheElementCannotPlayMp3_UsesHls_UnlessAskedNotTo(string path, bool hls)
    {
        var settings = new Dictionary<string, string?> { ["Radio:Hls:SegmentSeconds"] = "1", ["Radio:Hls:WindowSegments"] = "6" };
        await using var station = await TestStation.StartAsync(_folder.Media, settings);
        // Six segments cut before the page asks (the segmenter runs on a task of its own: waited for, not raced).
        await HlsStation.AdvanceAsync(station, TimeSpan.FromSeconds(7));
        await using var browser = await RefusingMp3Async(station);
        var page = browser.Page;
        var requests = new System.Collections.Concurrent.ConcurrentQueue<string>();
        page.Request += (_, request) => requests.Enqueue(new Uri(request.Url).AbsolutePath);
        await page.GotoAsync(path);
        var streamRequested = hls ? null : page.WaitForRequestAsync(r => new Uri(r.Url).AbsolutePath == "/stream");
        await page.Locator("#play").ClickAsync();
        await Expect(page.Locator("#play")).ToHaveAttributeAsync("aria-pressed", "true");
        if (hls)
        {
            await WaitUntilPlayedAsync(page);
            Assert.Contains("/hls/live.m3u8", requests);
            Assert.Contains(requests, r => r.StartsWith("/hls/seg-", StringComparison.Ordinal));
            Assert.DoesNotContain("/stream", requests);

            // The station goes on: the player follows the live playlist to a segment cut after it started.
            var next = HlsStation.Segmenter(station).NameOf(HlsStation.Segmenter(station).Window.Retained[^1].Sequence + 1);
            var fetched = page.WaitForRequestAsync(r => new Uri(r.Url).AbsolutePath == "/hls/" + next, new() { Timeout = 30_000 });
            await HlsStation.AdvanceAsync(station, TimeSpan.FromSeconds(2));
            await fetched;
        }
        else
        {
            await streamRequested!;
            Assert.False(await page.EvaluateAsync<bool>("() => radioPlayer.hls"));
            Assert.DoesNotContain(requests, r => r.StartsWith("/hls/", StringComparison.Ordinal));
        }
    }

    /// <summary>
    /// Play pressed before the first segment is cut: the playlist answers 503 (Retry-After), hls.js tries twice and
    /// gives up on it; the page loads it again (backing off) and plays once the station has a segment.
    /// </summary>
    [Fact]
    public async Task Play_BeforeTheFirstSegment_LoadsThePlaylistAgain_AndPlaysOnceItIsCut()
    {
        var settings = new Dictionary<string, string?> { ["Radio:Hls:SegmentSeconds"] = "1", ["Radio:Hls:WindowSegments"] = "6" };
        await using var station = await TestStation.StartAsync(_folder.Media, settings);
        await using var browser = await RefusingMp3Async(station);
        var page = browser.Page;
        var refused = 0;
        page.Response += (_, response) => refused += response.Url.EndsWith("/hls/live.m3u8", StringComparison.Ordinal) && response.Status == 503 ? 1 : 0;
        await page.GotoAsync("/");
        await page.Locator("#play").ClickAsync();
        // hls.js gave up on the playlist (its one retry answered 503 too): the page says so and will try again.
        await Expect(page.Locator("#player-status")).ToHaveTextAsync("Reconnecting…");
        Assert.True(refused >= 2, $"the playlist was refused {refused} times before hls.js gave up");

        await HlsStation.AdvanceAsync(station, TimeSpan.FromSeconds(7));
        await WaitUntilPlayedAsync(page);
        Assert.True(await page.EvaluateAsync<bool>("() => radioPlayer.playing"));
        browser.AssertNoErrors(503);
    }

    /// <summary>A page in a browser whose &lt;audio&gt; cannot stream MP3 but has Media Source Extensions.</summary>
    private async Task<BrowserPage> RefusingMp3Async(TestStation station)
    {
        var browser = await _browser.NewPageAsync(station.BaseUri);
        await browser.Page.AddInitScriptAsync("""
            (() => {
              const canPlayType = HTMLMediaElement.prototype.canPlayType;
              HTMLMediaElement.prototype.canPlayType = function (type) { return /^audio\/mpeg/.test(type) ? '' : canPlayType.call(this, type); };
            })();
            """);
        return browser;
    }

    /// <summary>
    /// Until the page plays HLS and its element has played half a second of it (its played ranges: audio heard, not
    /// only a seek to hls.js's start position). hls.js loads, fetches and buffers segments: slow on a loaded CI box.
    /// </summary>
    private static Task WaitUntilPlayedAsync(Microsoft.Playwright.IPage page) =>
        page.WaitForFunctionAsync("""
            () => {
              const played = document.getElementById('audio').played;
              let seconds = 0;
              for (let i = 0; i < played.length; i++) seconds += played.end(i) - played.start(i);
              return radioPlayer.hls && seconds > 0.5;
            }
            """, null, new() { Timeout = 30_000 });
}
