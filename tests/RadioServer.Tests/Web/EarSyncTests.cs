using System.Globalization;
using RadioServer.Tests.Infrastructure;
using Xunit.Abstractions;

namespace RadioServer.Tests.Web;

/// <summary>
/// NOW PLAYING against the ear, measured in the browser: two tone tracks in turn; a Web Audio analyser on the page's
/// own &lt;audio&gt; element (<c>createMediaElementSource</c>) notes, on <c>performance.now()</c>, when the dominant
/// tone flips, and a MutationObserver when #now-playing changes. The difference is how early (or late) the page
/// shows a title against what the element plays out. (The speakers' own latency, AudioContext.outputLatency, comes
/// after both and is printed: 32 ms in headless Chromium.) Before the page asked the server where its stream began and
/// the server placed titles where their sound is, the page was 100-190 ms early here.
/// </summary>
public sealed class EarSyncTests : IClassFixture<MediaBrowser>, IDisposable
{
    private const double LowHz = 500;
    private const double HighHz = 1200;

    private readonly MediaBrowser _browser;
    private readonly ITestOutputHelper _output;
    private readonly TempFolder _folder = new();

    public EarSyncTests(MediaBrowser browser, ITestOutputHelper output)
    {
        _browser = browser;
        _output = output;
        TestAudio.WriteToneWav(_folder.File("Low - Tone.wav"), LowHz, 3);
        TestAudio.WriteToneWav(_folder.File("High - Tone.wav"), HighHz, 3);
        File.WriteAllText(Path.Combine(_folder.Path, "schedule.json"), """
            { "timeZone": "UTC", "automation": { "playlist": { "items": ["Low - Tone.wav", "High - Tone.wav"] } }, "shows": [] }
            """);
    }

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task NowPlaying_ChangesWithin100msOfTheToneTheElementPlays()
    {
        await using var station = await TestStation.StartAsync(_folder.Media, new Dictionary<string, string?> { ["Radio:StationName"] = "Ear FM" }, fakeTime: false);
        await MeasureAsync(station);
    }

    /// <summary>
    /// The same on an edge: the page is the edge's, its stream the edge's relay of the origin's frames, its titles the
    /// edge's own hub (no Redis), placed at the origin's positions; the edge's listener registry answers StreamStart.
    /// </summary>
    [Fact]
    public async Task OnAnEdge_NowPlaying_ChangesWithin100msOfTheToneTheElementPlays()
    {
        const string key = "ear-sync-edge-key-0123456789abcdef";
        using var edgeFolder = new TempFolder();
        await using var origin = await TestStation.StartAsync(_folder.Media, new Dictionary<string, string?> { ["Radio:StationName"] = "Ear FM", ["Radio:EdgeKey"] = key }, fakeTime: false);
        await using var edge = await TestStation.StartAsync(edgeFolder.Media, new Dictionary<string, string?>
        {
            ["Radio:StationName"] = "Ear FM",
            ["Radio:Origin"] = origin.BaseUri.ToString(),
            ["Radio:EdgeKey"] = key,
        }, fakeTime: false);
        await MeasureAsync(edge);
        Assert.Empty(origin.Listeners.Sessions); // the page listened on the edge, not through to the origin
    }

    private async Task MeasureAsync(TestStation station)
    {
        await using var browser = await _browser.NewPageAsync(station.BaseUri);
        var page = browser.Page;
        await page.GotoAsync("/");
        await EarProbe.PlayAsync(page);
        await EarProbe.StartAsync(page, LowHz, HighHz);

        // Five tone changes (3 s apart), each with its title change.
        await EarProbe.WaitAsync(page, 6);
        // The page plays from where the server says its stream began (StreamStart), not from an estimate.
        var session = Assert.Single(station.Listeners.Sessions);
        var pageStart = await page.EvaluateAsync<double?>("() => radioPlayer.streamStart");
        _output.WriteLine($"stream start: the server's {session.StartPosition * 8 / 128_000.0:0.000} s, the page's {pageStart:0.000} s; titles at {string.Join(", ", (await page.EvaluateAsync<double[]>("() => radioPlayer.history.map(t => t.streamTime)")).Select(t => t.ToString("0.000", CultureInfo.InvariantCulture)))} s");
        Assert.Equal(session.StartPosition * 8 / 128_000.0, pageStart ?? -1, 3);
        EarProbe.AssertInSync(await EarProbe.LeadsAsync(page, "Low - Tone", "High - Tone", _output), atLeast: 4);
        browser.AssertNoErrors();
    }
}
