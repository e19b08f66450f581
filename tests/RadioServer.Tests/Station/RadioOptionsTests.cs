using Microsoft.Extensions.Options;
using RadioServer.Station;
using RadioServer.Tests.Infrastructure;

namespace RadioServer.Tests.Station;

public sealed class RadioOptionsTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Start_BadSettings_FailsWithOneMessagePerBadValue()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => TestStation.StartAsync(_folder.Media, new Dictionary<string, string?>
        {
            ["Radio:BitrateKbps"] = "100",
            ["Radio:MetaInt"] = "10",
            ["Radio:MountPath"] = "stream",
            ["Radio:BurstSizeBytes"] = "900000",
        }));
        var failures = error.Failures.ToList();
        Assert.Contains(failures, f => f.Contains("BitrateKbps 100 is not an MP3 bitrate", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("MetaInt", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("MountPath must look like /stream", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("BurstSizeBytes (900000) must be smaller than Radio:QueueLimitBytes", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_MountPathOverApiRoute_IsRefused()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => TestStation.StartAsync(_folder.Media, new Dictionary<string, string?> { ["Radio:MountPath"] = "/api/x" }));
        Assert.Contains(error.Failures, f => f.Contains("collides", StringComparison.Ordinal));
    }

    [Fact]
    public void Paths_RelativeToRepositoryRoot_NotTheWorkingDirectory()
    {
        var root = Directory.CreateDirectory(Path.Combine(_folder.Path, "repo")).FullName;
        File.WriteAllText(Path.Combine(root, StationPaths.RepositoryMarker), "");
        var project = Directory.CreateDirectory(Path.Combine(root, "src", "RadioServer")).FullName;
        Assert.Equal(root, StationPaths.FindRoot(project));

        var paths = new StationPaths(Options.Create(new RadioOptions { RootPath = root, MediaPath = "media", DatabasePath = "/var/lib/radio.db" }));
        Assert.Equal(Path.Combine(root, "media"), paths.MediaPath);
        Assert.Equal(Path.Combine(root, "schedule.json"), paths.SchedulePath);
        Assert.Equal("/var/lib/radio.db", paths.DatabasePath);
    }
}
