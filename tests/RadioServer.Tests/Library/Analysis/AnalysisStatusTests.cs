using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using RadioServer.Library;
using RadioServer.Library.Analysis;
using RadioServer.Tests.Infrastructure;
using RadioServer.Tests.Operations;
using static RadioServer.Tests.Library.Analysis.AnalysisMedia;

namespace RadioServer.Tests.Library.Analysis;

/// <summary>The analysis in the running station: the air chain's ITrackSounds, /api/status's library section, /metrics.</summary>
public sealed partial class AnalysisStatusTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Station_AnalysesItsLibrary_StatusAndMetricsShowIt()
    {
        Write(_folder.File("Alpha - One.wav"), Segment.Silence(2), Segment.Tone(3, -18));
        Write(_folder.File("Beta - Two.wav"), Segment.Tone(3, -24));
        await using var station = await TestStation.StartAsync(_folder.Media, Operators.Settings(("Radio:Sound:Analysis", "true")));
        var analysis = station.App.Services.GetRequiredService<LibraryAnalysis>();
        Assert.Same(analysis, station.App.Services.GetRequiredService<ITrackSounds>());

        await analysis.WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(60));
        var status = await Operators.StatusAsync(station);

        Assert.Equal(new AnalysisStatus(true, false, 2, 2, 0, 0), status.Library.Analysis);
        var alpha = analysis.Find(station.Library.Tracks.Single(t => t.Title == "One"));
        Assert.NotNull(alpha);
        Assert.InRange(alpha.IntegratedLufs, -18.3, -17.9); // 3 s of tone: its edge blocks (partly silence) pull the mean down a little
        Assert.InRange(alpha.CueIn.TotalSeconds, 1.9, 2.1);
        using var http = Operators.Http(station);
        var metrics = await http.GetStringAsync("/metrics");
        Assert.Matches(Gauge("radio_library_analysed", 2), metrics);
        Assert.Matches(Gauge("radio_library_analysis_failed", 0), metrics);
    }

    private static Regex Gauge(string name, int value) => new($"(?m)^{name} {value}$");
}
