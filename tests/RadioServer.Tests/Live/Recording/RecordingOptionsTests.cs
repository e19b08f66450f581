using Microsoft.Extensions.Options;
using RadioServer.Live;
using RadioServer.Tests.Infrastructure;

namespace RadioServer.Tests.Live.Recording;

/// <summary>Radio:Live:RecordingsPath and RecordingBitrate are checked at start, one message per problem.</summary>
public sealed class RecordingOptionsTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("recordings", 128, null)]
    [InlineData("", 320, null)] // empty: recording off
    [InlineData("/srv/radio/recordings", 64, null)]
    [InlineData("recordings", 100, "Radio:Live:RecordingBitrate 100 is not an MP3 bitrate")]
    [InlineData("recordings", 384, "Radio:Live:RecordingBitrate 384 is not an MP3 bitrate")]
    [InlineData("   ", 128, "Radio:Live:RecordingsPath begins or ends with whitespace")]
    [InlineData(" recordings", 128, "Radio:Live:RecordingsPath begins or ends with whitespace")]
    [InlineData("record\u0001ings", 128, "Radio:Live:RecordingsPath contains a character no path may hold")]
    public void Validate_RecordingSettings(string path, int bitrate, string? expected)
    {
        var result = new LiveOptionsCrossValidator().Validate(null, new LiveOptions { RecordingsPath = path, RecordingBitrate = bitrate });
        if (expected is null)
        {
            Assert.True(result.Succeeded, result.FailureMessage);
        }
        else
        {
            Assert.Contains(result.Failures!, f => f.Contains(expected, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Start_BadRecordingBitrate_IsRefused()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => TestStation.StartAsync(_folder.Media, new Dictionary<string, string?> { ["Radio:Live:RecordingBitrate"] = "129" }));
        Assert.Contains(error.Failures, f => f.Contains("Radio:Live:RecordingBitrate 129", StringComparison.Ordinal));
    }
}
