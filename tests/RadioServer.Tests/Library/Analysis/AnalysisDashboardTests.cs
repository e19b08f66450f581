using RadioServer.Library.Analysis;
using Microsoft.Extensions.DependencyInjection;
using RadioServer.Tests.Infrastructure;
using RadioServer.Tests.Operations;
using RadioServer.Tests.Web;
using static Microsoft.Playwright.Assertions;
using static RadioServer.Tests.Library.Analysis.AnalysisMedia;

namespace RadioServer.Tests.Library.Analysis;

/// <summary>The operators' dashboard in Chromium shows the analysis' progress ("analysed 2 of 3, 1 failed").</summary>
public sealed class AnalysisDashboardTests(Browser browser) : IClassFixture<Browser>, IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Dashboard_ShowsAnalysedOfTotal_AndFailures()
    {
        Write(_folder.File("A - One.wav"), Segment.Tone(3, -18));
        Write(_folder.File("B - Two.wav"), Segment.Tone(3, -22));
        File.WriteAllBytes(_folder.File("C - Bad.wav"), [.. "RIFF\x10\0\0\0WAVEjunk"u8, .. new byte[5000]]);
        await using var station = await TestStation.StartAsync(_folder.Media, Operators.Settings(("Radio:Sound:Analysis", "true")));
        await station.App.Services.GetRequiredService<LibraryAnalysis>().WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(60));
        await using var page = await browser.NewPageAsync(station.BaseUri);

        await page.Page.GotoAsync("/operator");
        await page.Page.GetByLabel("Operator key").FillAsync(Operators.OperatorKey);
        await page.Page.Locator("#connect").ClickAsync();
        await Expect(page.Page.Locator("#connection")).ToHaveAttributeAsync("data-state", "connected");

        var line = page.Page.Locator("#library-analysis");
        await Expect(line).ToHaveTextAsync("analysed 2 of 3, 1 failed");
        await Expect(line).ToHaveAttributeAsync("data-bad", "true");
    }
}
