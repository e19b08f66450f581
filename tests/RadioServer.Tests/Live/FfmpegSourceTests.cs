using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using RadioServer.Live;
using RadioServer.Tests.Infrastructure;

namespace RadioServer.Tests.Live;

/// <summary>ffmpeg as an Icecast source client (PUT and legacy SOURCE), on the real clock, heard on the stream.</summary>
[Collection(RealTimeSources.Name)]
public sealed class FfmpegSourceTests : IDisposable
{
    private const string Password = "test-master-password";
    private static readonly TimeSpan s_guard = TimeSpan.FromSeconds(20);
    private readonly TempFolder _folder = new();

    public FfmpegSourceTests() => TestAudio.WriteToneWav(_folder.File("Alpha - One.wav"), 500, 60);

    public void Dispose() => _folder.Dispose();

    private static Dictionary<string, string?> Settings() => new() { ["Radio:Live:MasterPassword"] = Password };

    [Theory]
    [InlineData(false)] // PUT with Expect: 100-continue, as libshout 2.4.3+ and butt
    [InlineData(true)] // -legacy_icecast 1: SOURCE, as older libshout and Liquidsoap
    public async Task FfmpegAsASourceClient_IsHeardOnTheStream(bool legacy)
    {
        // Real time: ffmpeg sends at its own pace (-re), the air chain runs on its clock.
        await using var station = await TestStation.StartAsync(_folder.Media, Settings(), fakeTime: false);
        var live = station.App.Services.GetRequiredService<LiveSources>();
        var psi = new ProcessStartInfo("ffmpeg", ["-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=48000:duration=30",
            "-ac", "1", "-c:a", "libmp3lame", "-b:a", "96k", "-content_type", "audio/mpeg", "-ice_name", "Ffmpeg Live", "-legacy_icecast", legacy ? "1" : "0", "-f", "mp3",
            $"icecast://source:{Password}@127.0.0.1:{station.BaseUri.Port}/live"])
        {
            RedirectStandardError = true,
        };
        using var ffmpeg = Process.Start(psi)!;
        var clock = Stopwatch.StartNew();
        try
        {
            await UntilAsync(() => station.Chain.LiveOnAir || ffmpeg.HasExited);
            var onAirAt = clock.ElapsedMilliseconds;
            Assert.True(!ffmpeg.HasExited, ffmpeg.HasExited ? await ffmpeg.StandardError.ReadToEndAsync() : "");
            await using var listener = await StreamClient.ConnectAsync(station.Url("/stream"), icyMetadata: true);
            var connectedAt = clock.ElapsedMilliseconds;
            await listener.WaitForAudioAsync(64 * 1024 + 48_000, s_guard); // the burst, then three seconds as they are made
            var heardAt = clock.ElapsedMilliseconds;
            var (samples, rate, channels) = TestAudio.DecodeMp3(listener.Audio);
            var left = TestAudio.Channel(samples, channels, 0);
            var halves = Enumerable.Range(0, left.Length / (rate / 2)).Select(i => TestAudio.ToneFrequency(left.AsSpan(i * rate / 2, rate / 2), rate)).ToList();
            var tones = string.Join(", ", halves.Select(t => $"{t:0}"));
            // Real time on a shared machine: a half second may hold a late packet's gap; most of the last three seconds are the source.
            Assert.True(halves.TakeLast(6).Count(t => t is > 990 and < 1010) >= 4, $"on air at {onAirAt} ms, listener at {connectedAt}, heard at {heardAt}, {listener.AudioBytes} B; tones by half second: {tones}; underruns {live.Director.Underruns}; log: {string.Join(" | ", station.Logs.Entries.Where(e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Information && !e.Category.StartsWith("Microsoft", StringComparison.Ordinal)).Select(e => e.Message + e.Exception?.Message))}");
            Assert.Equal("Ffmpeg Live", listener.Blocks.Last(b => b.StreamTitle is not null).StreamTitle);
            Assert.Equal("Lavf", live.Current!.Request.UserAgent![..4]);
        }
        finally
        {
            ffmpeg.Kill();
            await ffmpeg.WaitForExitAsync();
        }
    }

    private static async Task UntilAsync(Func<bool> condition)
    {
        var until = Environment.TickCount64 + (long)s_guard.TotalMilliseconds;
        while (!condition())
        {
            Assert.True(Environment.TickCount64 < until, "the server did not reach the expected state in time");
            await Task.Delay(5);
        }
    }
}
