using System.Text.RegularExpressions;
using NAudio.Wave;
using RadioServer.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace RadioServer.Tests.Web;

/// <summary>
/// The operators' dashboard's loudness meter in Chromium, on a fake clock: a track quiet then loud, and the meter's
/// bars follow it (the hub's `loudness` push, five times a second of station time); the history row gets the item's loudness.
/// </summary>
public sealed partial class OperatorLoudnessPageTests : IClassFixture<Browser>, IDisposable
{
    private const string OperatorKey = "operator-key-for-tests";

    private readonly Browser _browser;
    private readonly TempFolder _folder = new();

    public OperatorLoudnessPageTests(Browser browser) => _browser = browser;

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Meter_FollowsTheProgramme_QuietThenLoud()
    {
        // 2 s at -30 dBFS, then 2 s at -10 dBFS, 997 Hz: -30 LUFS, then -10 LUFS.
        using (var writer = new WaveFileWriter(_folder.File("Quiet - Then Loud.wav"), new WaveFormat(44100, 16, 2)))
        {
            var samples = new float[4 * 44100 * 2];
            for (var i = 0; i < samples.Length / 2; i++)
            {
                var amplitude = i < 2 * 44100 ? 0.0316 : 0.316;
                samples[2 * i] = samples[(2 * i) + 1] = (float)(amplitude * Math.Sin(2 * Math.PI * 997 * i / 44100));
            }
            writer.WriteSamples(samples, 0, samples.Length);
        }
        var settings = new Dictionary<string, string?>
        {
            ["Radio:Auth:OperatorKey"] = OperatorKey,
            ["Radio:Auth:HostKey"] = "host-key-for-tests",
            ["Radio:Sound:Normalize"] = "false",
        };
        await using var station = await TestStation.StartAsync(_folder.Media, settings);
        await using var browser = await _browser.NewPageAsync(station.BaseUri);
        var page = browser.Page;
        await page.GotoAsync("/operator");
        await page.GetByLabel("Operator key").FillAsync(OperatorKey);
        await page.Locator("#connect").ClickAsync();
        await Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", "connected");
        var momentary = page.Locator("#loudness-momentary");
        await Expect(momentary).ToHaveAttributeAsync("aria-valuetext", "silence");

        await station.AdvanceAsync(TimeSpan.FromSeconds(1.5));
        await page.WaitForFunctionAsync("() => { const v = parseFloat(document.getElementById('loudness-momentary').dataset.lufs); return v > -31 && v < -29; }");
        await Expect(momentary).ToHaveAttributeAsync("aria-valuetext", QuietText());
        await Expect(page.Locator("#loudness-momentary-text")).ToHaveTextAsync(QuietText());
        await Expect(page.GetByRole(Microsoft.Playwright.AriaRole.Meter, new() { Name = "Short-term" })).ToBeVisibleAsync();
        await Expect(page.Locator("#loudness-limiter")).ToHaveTextAsync("at rest");
        await Expect(page.Locator("#loudness-target")).ToHaveTextAsync("\u221216.0 LUFS");
        await Accessibility.AssertNoViolationsAsync(page);

        await station.AdvanceAsync(TimeSpan.FromSeconds(1.5));
        await page.WaitForFunctionAsync("() => { const v = parseFloat(document.getElementById('loudness-momentary').dataset.lufs); return v > -11 && v < -9; }");
        await Expect(momentary).ToHaveAttributeAsync("aria-valuetext", LoudText());
        await Expect(page.Locator("#loudness-true-peak")).ToContainTextAsync("dBTP (ceiling \u22121.0 dBTP)");

        // The item ends (it plays again): its row in the history carries its loudness on air, the loud half's (the quiet one is gated out).
        await station.AdvanceAsync(TimeSpan.FromSeconds(1.5));
        await Expect(page.Locator("#history-rows tr").Last.Locator("td").Last).ToHaveTextAsync(LoudText());
        browser.AssertNoErrors();
    }

    [GeneratedRegex("^\u2212(29|30)\\.[0-9] LUFS$")]
    private static partial Regex QuietText();

    [GeneratedRegex("^\u2212(9|10)\\.[0-9] LUFS$")]
    private static partial Regex LoudText();
}
