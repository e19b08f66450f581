using System.Globalization;
using System.Text.Json;
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
        await page.WaitForFunctionAsync("() => radioPlayer.history.length > 0");
        var burst = await page.EvaluateAsync<double>("() => radioPlayer.burstSeconds");
        // On air long enough that the listener gets the whole burst.
        await page.WaitForFunctionAsync($"() => radioPlayer.liveNow() > {(burst + 1).ToString(CultureInfo.InvariantCulture)}", null, new() { Timeout = 15_000 });

        await page.Locator("#play").ClickAsync();
        await page.WaitForFunctionAsync("() => document.getElementById('audio').currentTime > 0.2", null, new() { Timeout = 8000 });
        await page.EvaluateAsync(Probe, new { low = LowHz, high = HighHz });

        // Five tone changes (3 s apart), each with its title change.
        await page.WaitForFunctionAsync("() => window.__ear.flips.length >= 6 && window.__ear.titles.length >= 6", null, new() { Timeout = 30_000 });
        var json = await page.EvaluateAsync<JsonElement>("() => ({ flips: window.__ear.flips, titles: window.__ear.titles, latency: window.__ear.latency() })");
        _output.WriteLine(json.GetRawText());
        // The page plays from where the server says its stream began (StreamStart), not from an estimate.
        var session = Assert.Single(station.Listeners.Sessions);
        var pageStart = await page.EvaluateAsync<double?>("() => radioPlayer.streamStart");
        _output.WriteLine($"stream start: the server's {session.StartPosition * 8 / 128_000.0:0.000} s, the page's {pageStart:0.000} s; titles at {string.Join(", ", (await page.EvaluateAsync<double[]>("() => radioPlayer.history.map(t => t.streamTime)")).Select(t => t.ToString("0.000", CultureInfo.InvariantCulture)))} s");
        Assert.Equal(session.StartPosition * 8 / 128_000.0, pageStart ?? -1, 3);
        var flips = json.GetProperty("flips").EnumerateArray().Select(f => (Tone: f.GetProperty("tone").GetString()!, At: f.GetProperty("at").GetDouble())).ToList();
        var titles = json.GetProperty("titles").EnumerateArray().Select(t => (Text: t.GetProperty("text").GetString()!, At: t.GetProperty("at").GetDouble())).ToList();

        // Pair each flip with the title change to that tone's track nearest to it (within a second: the tracks are 3 s).
        var leads = new List<double>();
        foreach (var flip in flips)
        {
            var expected = flip.Tone == "low" ? "Low - Tone" : "High - Tone";
            var title = titles.Where(t => t.Text == expected && Math.Abs(t.At - flip.At) < 1500).OrderBy(t => Math.Abs(t.At - flip.At)).FirstOrDefault();
            if (title == default)
            {
                continue;
            }
            leads.Add(flip.At - title.At); // > 0: the page showed the title before the element played the tone
        }
        _output.WriteLine($"leads (ms, > 0: title first): {string.Join(", ", leads.Select(l => l.ToString("0", CultureInfo.InvariantCulture)))}");
        Assert.True(leads.Count >= 4, $"only {leads.Count} tone changes had a title change near them");
        // Within 100 ms, every change but at most one: the probe reads on a 2 ms page timer, which a loaded box can hold
        // back 100 ms or more now and then (seen once in CI on the first change: 132 ms, the next five within 12 ms).
        // The middle of them holds the page to the tone far tighter than that.
        var outside = leads.Where(lead => Math.Abs(lead) > 100).ToList();
        Assert.True(outside.Count <= 1, $"{outside.Count} of {leads.Count} title changes more than 100 ms from their tone: {string.Join(", ", outside.Select(l => l.ToString("0", CultureInfo.InvariantCulture)))} ms");
        var middle = leads.Order().ElementAt(leads.Count / 2);
        Assert.InRange(middle, -50, 50);
        browser.AssertNoErrors();
    }

    /// <summary>
    /// Hooks an AnalyserNode to the page's &lt;audio&gt; (its output still goes to the speakers) and notes each flip of
    /// the dominant tone, and each change of #now-playing, on performance.now(). A flip is dated half an analysis window
    /// back (where the new tone took over the window) and confirmed by two readings in a row.
    /// </summary>
    private const string Probe = """
        ({ low, high }) => {
          const audio = document.getElementById('audio');
          const ctx = new AudioContext();
          const source = ctx.createMediaElementSource(audio);
          const analyser = ctx.createAnalyser();
          analyser.fftSize = 512;
          analyser.smoothingTimeConstant = 0;
          source.connect(analyser);
          analyser.connect(ctx.destination);
          const bins = new Float32Array(analyser.frequencyBinCount);
          const binOf = (hz) => Math.round(hz / (ctx.sampleRate / analyser.fftSize));
          const halfWindowMs = analyser.fftSize / 2 / ctx.sampleRate * 1000;
          const ear = window.__ear = {
            flips: [], titles: [],
            latency: () => ({ base: ctx.baseLatency, output: ctx.outputLatency, state: ctx.state, sampleRate: ctx.sampleRate }),
          };
          const where = () => ({
            ct: audio.currentTime, heard: radioPlayer.heardNow(), live: radioPlayer.liveNow(),
            buffered: audio.buffered.length ? audio.buffered.end(audio.buffered.length - 1) : null,
          });
          let tone = null, candidate = null, candidateAt = 0, candidateWhere = null;
          const read = () => {
            analyser.getFloatFrequencyData(bins);
            const l = Math.max(bins[binOf(low) - 1], bins[binOf(low)], bins[binOf(low) + 1]);
            const h = Math.max(bins[binOf(high) - 1], bins[binOf(high)], bins[binOf(high) + 1]);
            const now = performance.now();
            const heard = Math.max(l, h) < -70 ? null : (l > h ? 'low' : 'high');
            if (heard === null || heard === tone) { candidate = null; return; }
            if (candidate !== heard) { candidate = heard; candidateAt = now; candidateWhere = where(); return; }
            if (tone !== null) ear.flips.push({ tone: heard, at: candidateAt - halfWindowMs, ...candidateWhere });
            tone = heard;
            candidate = null;
          };
          setInterval(read, 2);
          const nowPlaying = document.getElementById('now-playing');
          new MutationObserver(() => ear.titles.push({ text: nowPlaying.textContent, at: performance.now(), ...where() }))
            .observe(nowPlaying, { childList: true, characterData: true, subtree: true });
          return ctx.resume();
        }
        """;
}
