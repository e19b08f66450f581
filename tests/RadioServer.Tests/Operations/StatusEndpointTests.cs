using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using RadioServer.Tests.Infrastructure;

namespace RadioServer.Tests.Operations;

/// <summary>/api/status, Icecast's /status-json.xsl, /healthz and /readyz over real HTTP.</summary>
public sealed partial class StatusEndpointTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public StatusEndpointTests()
    {
        TestAudio.WriteToneWav(_folder.File("Alpha - One.wav"), 500, 2);
        TestAudio.WriteToneWav(_folder.File("Beta - Two.wav"), 700, 2);
        File.WriteAllBytes(_folder.File("Broken - File.mp3"), new byte[2000]);
    }

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Status_ReportsEncoderListenersLibraryScheduleAndHistory()
    {
        await using var station = await TestStation.StartAsync(_folder.Media, Operators.Settings(("Radio:StationName", "Status FM"), ("Radio:Sound:Normalize", "false")));
        await using var listener = await StreamClient.ConnectAsync(station.Url("/stream"), icyMetadata: true);
        await station.AdvanceAsync(TimeSpan.FromSeconds(5)); // Alpha, Beta, then the broken file is tried and skipped
        await listener.WaitForAudioAsync(70_000);

        var status = await Operators.StatusAsync(station);

        Assert.Equal("Status FM", status.Server.Station);
        Assert.False(string.IsNullOrEmpty(status.Server.Version));
        Assert.Equal(5.0, status.Server.UptimeSeconds, 1);
        Assert.True(status.Encoder.Running);
        Assert.Equal(128, status.Encoder.BitrateKbps);
        Assert.Equal(44100, status.Encoder.SampleRate);
        Assert.Equal(2, status.Encoder.Channels);
        // 5 s of audio is 191.4 frames of 1,152 samples; whole 4-frame blocks are published.
        Assert.InRange(status.Encoder.FramesEncoded, 184, 192);
        Assert.InRange(status.Encoder.StreamTime, 4.9, 5.05);
        Assert.InRange(status.Encoder.LagSeconds, 0, 0.11);
        Assert.Equal(0, status.Encoder.Underruns);
        Assert.InRange(status.Encoder.LevelDbfs, -12, -3); // a 0.5-amplitude sine is -9 dBFS RMS
        Assert.Equal(1, status.Listeners.Current);
        Assert.Equal(1, status.Listeners.Peak);
        Assert.Equal(1, status.Listeners.TotalSessions);
        Assert.Contains(status.Listeners.Disconnects, d => d.Reason == "tooSlow" && d.Count == 0);
        Assert.True(status.Listeners.BytesSent >= 70_000, $"{status.Listeners.BytesSent} bytes sent");
        var mount = Assert.Single(status.Mounts);
        Assert.Equal("/stream", mount.Path);
        Assert.Equal(1, mount.Listeners);
        Assert.NotNull(status.NowPlaying);
        Assert.Equal(status.NowPlaying.DisplayTitle, mount.Title);
        Assert.Equal(2, status.Library.Tracks);
        Assert.Equal(1, status.Library.SkippedFiles);
        Assert.Equal(station.Schedule.Current.Hash, status.Schedule.Hash);
        Assert.True(status.History.Healthy);
        Assert.False(status.DeadAir.Active);
        Assert.Equal(-50, status.DeadAir.ThresholdDbfs);
    }

    [Fact]
    public async Task Status_UsesArraysEvenForOneMount()
    {
        await using var station = await TestStation.StartAsync(_folder.Media, Operators.Settings());
        using var http = Operators.Http(station, key: null);
        using var json = JsonDocument.Parse(await http.GetStringAsync("/api/status"));
        Assert.Equal(JsonValueKind.Array, json.RootElement.GetProperty("mounts").ValueKind);
        Assert.Equal(JsonValueKind.Array, json.RootElement.GetProperty("alarms").ValueKind);
        Assert.Equal(JsonValueKind.Array, json.RootElement.GetProperty("listeners").GetProperty("disconnects").ValueKind);
    }

    [Fact]
    public async Task IcecastStatus_HasIcecast244sFieldNamesTypesAndQuirks()
    {
        await using var station = await TestStation.StartAsync(_folder.Media, Operators.Settings(("Radio:StationName", "Ice FM"), ("Radio:Genre", "Jazz")));
        await station.AdvanceAsync(TimeSpan.FromSeconds(1));
        await using var listener = await StreamClient.ConnectAsync(station.Url("/stream"));
        using var http = Operators.Http(station, key: null);
        using var response = await http.GetAsync("/status-json.xsl");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        using var ours = JsonDocument.Parse(text);
        // Recorded from Icecast 2.4.4 (Debian icecast2) with one mount fed by ffmpeg and one listener.
        using var icecast = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Operations", "icecast-2.4.4-status-json.json")));

        var ice = icecast.RootElement.GetProperty("icestats");
        var stats = ours.RootElement.GetProperty("icestats");
        AssertSameShape(ice, stats, "icestats");
        // Icecast's quirk: one mount gives an object, not an array.
        var source = stats.GetProperty("source");
        Assert.Equal(JsonValueKind.Object, source.ValueKind);
        AssertSameShape(ice.GetProperty("source"), source, "icestats.source");
        // Fields Icecast adds when the source sends them (bitrate and audio info, a title).
        Assert.Equal(128, source.GetProperty("bitrate").GetInt32());
        Assert.Equal("channels=2;samplerate=44100;bitrate=128", source.GetProperty("audio_info").GetString());
        Assert.Equal("Alpha - One", source.GetProperty("title").GetString());
        Assert.Equal(1, source.GetProperty("listeners").GetInt32());
        Assert.Equal("Ice FM", source.GetProperty("server_name").GetString());
        Assert.Equal("Jazz", source.GetProperty("genre").GetString());
        Assert.Equal(station.Url("/stream").ToString(), source.GetProperty("listenurl").GetString());
        Assert.Equal(JsonValueKind.Null, source.GetProperty("dummy").ValueKind);
        Assert.Matches(Iso8601(), stats.GetProperty("server_start_iso8601").GetString()!);
        Assert.Matches(Iso8601(), source.GetProperty("stream_start_iso8601").GetString()!);
        Assert.Matches(Rfc822(), stats.GetProperty("server_start").GetString()!);
        Assert.Equal("2026-11-26T12:00:00+0000", stats.GetProperty("server_start_iso8601").GetString());
        Assert.Contains("+0000", text, StringComparison.Ordinal); // not \u002B escaped
    }

    [Fact]
    public async Task Health_AliveAlways_ReadyOnlyWhileTheEncoderKeepsUp()
    {
        await using var station = await TestStation.StartAsync(_folder.Media, Operators.Settings());
        using var http = Operators.Http(station, key: null);
        await station.AdvanceAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/readyz")).StatusCode);

        // The clock runs on but the chain does not produce: it falls 3 s behind, over the 2 s limit.
        station.Time!.Advance(TimeSpan.FromSeconds(3));
        using var notReady = await http.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
        Assert.Contains("behind real time", await notReady.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);

        station.Chain.ProduceDue();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/readyz")).StatusCode);
    }

    private static void AssertSameShape(JsonElement icecast, JsonElement ours, string path)
    {
        foreach (var field in icecast.EnumerateObject())
        {
            Assert.True(ours.TryGetProperty(field.Name, out var value), $"{path}.{field.Name} is missing");
            if (field.Value.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array))
            {
                Assert.True(field.Value.ValueKind == value.ValueKind, $"{path}.{field.Name}: Icecast has {field.Value.ValueKind}, we have {value.ValueKind}");
            }
        }
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0000$")]
    private static partial Regex Iso8601();

    [GeneratedRegex(@"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} \+0000$")]
    private static partial Regex Rfc822();
}
