using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using RadioServer.Live;
using RadioServer.Live.Accounts;
using RadioServer.Tests.Infrastructure;

namespace RadioServer.Tests.Live;

/// <summary>ezstream, a real libshout (2.4.x) client: its challenge, its retry with a host's account, its PUT, its updinfo titles.</summary>
[Collection(RealTimeSources.Name)]
public sealed class EzstreamSourceTests : IDisposable
{
    private const string HostPassword = "alex-source-password";
    private readonly TempFolder _folder = new();

    public EzstreamSourceTests() => TestAudio.WriteToneWav(_folder.File("Alpha - One.wav"), 500, 120);

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Ezstream_GoesLiveWithAHostsAccount_AndItsTitleReachesTheListeners()
    {
        // The real clock: ezstream sends at its own pace. A slot around now (UTC).
        var now = DateTimeOffset.UtcNow;
        string Time(DateTimeOffset t) => t.ToString("HH:mm", CultureInfo.InvariantCulture);
        var start = now.Hour == 0 && now.Minute == 0 ? "00:00" : Time(now.AddMinutes(-1));
        var end = now.Hour == 23 && now.Minute >= 48 ? "00:00" : Time(now.AddMinutes(10)); // 00:00: the day's end
        File.WriteAllText(Path.Combine(_folder.Path, "schedule.json"), $$"""
            { "timeZone": "UTC", "automation": { "playlist": { "items": ["."] } },
              "shows": [ { "id": "morning-show", "title": "Morning Show", "hosts": ["Alex Morgan"], "playlist": { "items": ["."] },
                           "slots": [ { "date": "{{now:yyyy-MM-dd}}", "start": "{{start}}", "end": "{{end}}" } ] } ] }
            """);
        var accounts = new FakeHostAccounts().Add("Alex Morgan", HostPassword);
        await using var station = await TestStation.StartAsync(_folder.Media, fakeTime: false, services: s => s.Replace(ServiceDescriptor.Singleton<IHostAccounts>(accounts)));
        var mp3 = Path.Combine(_folder.Path, "Ezstream Tone.mp3");
        TestAudio.WriteToneMp3(mp3, 1000, 30, sampleRate: 48000, channels: 1, bitrateKbps: 64);
        var config = Path.Combine(_folder.Path, "ezstream.xml");
        File.WriteAllText(config, $"""
            <ezstream>
              <servers><server><protocol>HTTP</protocol><hostname>127.0.0.1</hostname><port>{station.BaseUri.Port}</port>
                <user>Alex Morgan</user><password>{HostPassword}</password><tls>None</tls></server></servers>
              <streams><stream><mountpoint>/live</mountpoint><format>MP3</format><stream_name>Alex on ezstream</stream_name></stream></streams>
              <intakes><intake><type>file</type><filename>{mp3}</filename><stream_once>Yes</stream_once></intake></intakes>
            </ezstream>
            """);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(config, UnixFileMode.UserRead | UnixFileMode.UserWrite); // ezstream refuses a config others may read
        }
        using var ezstream = Process.Start(new ProcessStartInfo("ezstream", ["-c", config]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        try
        {
            var live = station.App.Services.GetRequiredService<LiveSources>();
            await SourceClient.UntilAsync(() => station.Chain.LiveOnAir || ezstream.HasExited);
            Assert.False(ezstream.HasExited, "ezstream ended before going on air");
            var status = live.Status(false, false);
            Assert.Equal(("Alex Morgan", "onAir"), (status.Host, status.State));
            Assert.StartsWith("libshout/", live.Current!.Request.UserAgent, StringComparison.Ordinal);
            await using var listener = await StreamClient.ConnectAsync(station.Url("/stream"), icyMetadata: true);
            await listener.WaitForAudioAsync(64 * 1024 + 32_000, TimeSpan.FromSeconds(20));
            // ezstream sends the file's name as the title: Icecast's updinfo, with the host's credentials.
            await SourceClient.UntilAsync(() => listener.Blocks.Any(b => b.StreamTitle == "Ezstream Tone"));
            var (samples, rate, channels) = TestAudio.DecodeMp3(listener.Audio);
            var left = TestAudio.Channel(samples, channels, 0);
            // Real time on a shared machine: a half second may hold a late packet's gap; most of the last two seconds are the host's tone.
            var halves = Enumerable.Range(0, left.Length / (rate / 2)).Select(i => TestAudio.ToneFrequency(left.AsSpan(i * rate / 2, rate / 2), rate)).ToList();
            Assert.True(halves.TakeLast(4).Count(t => t is > 990 and < 1010) >= 3, "tones by half second: " + string.Join(", ", halves.Select(t => $"{t:0}")));
            // libshout's unauthenticated challenge came first, then the retry with the account.
            Assert.Contains(station.Logs.Entries, e => e.EventId.Name == "SourceRefused" && e.Message.Contains("no credentials", StringComparison.Ordinal));
        }
        finally
        {
            ezstream.Kill();
            await ezstream.WaitForExitAsync();
        }
    }
}
