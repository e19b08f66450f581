using System.Text.Json;
using RadioServer.Tests.Infrastructure;
using Xunit.Abstractions;

namespace RadioServer.Tests.Relays;

/// <summary>
/// A stock Icecast 2.4 (Debian's icecast2) relays the station, with a per-mount &lt;relay&gt; and in master-server mode
/// (its slave fetches /admin/streamlist.txt with the relay credentials): a player of the Icecast decodes our MP3 and
/// sees our ICY titles change. The station runs on the real clock (Icecast reads at its own pace).
/// The config is the one docs/scaling.md shows ("Icecast as an edge").
/// </summary>
public sealed class IcecastRelayTests : IDisposable
{
    private const string RelayPassword = "relay-password-for-tests";

    private static readonly string[] s_titles = ["Alpha - One", "Beta - Two"];

    private readonly TempFolder _folder = new();
    private readonly ITestOutputHelper _output;

    public IcecastRelayTests(ITestOutputHelper output)
    {
        _output = output;
        // Two short tone tracks in turn: the title changes every 2.5 s, and each tone says which track is heard.
        TestAudio.WriteToneWav(_folder.File("Alpha - One.wav"), 440, 2.5);
        TestAudio.WriteToneWav(_folder.File("Beta - Two.wav"), 660, 2.5);
        File.WriteAllText(Path.Combine(_folder.Path, "schedule.json"), """
            { "timeZone": "UTC", "automation": { "playlist": { "items": ["Alpha - One.wav", "Beta - Two.wav"] } }, "shows": [] }
            """);
    }

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task PerMountRelay_IcecastsListenerDecodesOurStream_AndSeesTheTitleChange()
    {
        await using var station = await TestStation.StartAsync(_folder.Media, fakeTime: false);
        await using var icecast = await IcecastServer.StartAsync($"""
              <relay>
                <server>127.0.0.1</server>
                <port>{station.BaseUri.Port}</port>
                <mount>/stream</mount>
                <local-mount>/stream</local-mount>
                <on-demand>0</on-demand>
                <relay-shoutcast-metadata>1</relay-shoutcast-metadata>
              </relay>
            """);

        await AssertRelaysAsync(station, icecast);
    }

    [Fact]
    public async Task MasterServerMode_IcecastFetchesTheStreamList_AndRelaysTheMount()
    {
        await using var station = await TestStation.StartAsync(_folder.Media, new Dictionary<string, string?> { ["Radio:Relay:Password"] = RelayPassword }, fakeTime: false);
        await using var icecast = await IcecastServer.StartAsync(MasterServer(station, RelayPassword));

        await AssertRelaysAsync(station, icecast);
        Assert.Contains(station.Logs.Entries, e => e.EventId.Name == "StreamListSent");
        Assert.Contains("Master accepted streamlist request", icecast.ErrorLog, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MasterServerMode_WithAWrongPassword_IsRefused_AndRelaysNothing()
    {
        await using var station = await TestStation.StartAsync(_folder.Media, new Dictionary<string, string?> { ["Radio:Relay:Password"] = RelayPassword }, fakeTime: false);
        await using var icecast = await IcecastServer.StartAsync(MasterServer(station, "not-the-password"));

        await UntilAsync(() => icecast.ErrorLog.Contains("Master rejected streamlist request", StringComparison.Ordinal), "Icecast never asked for the stream list");
        Assert.Contains(station.Logs.Entries, e => e.EventId.Name is "KeyRefused" or "KeysRefusedFrom" && e.Message.Contains("/admin/streamlist.txt", StringComparison.Ordinal));
        Assert.Equal(0, station.Listeners.Relays);
        Assert.DoesNotContain(station.Logs.Entries, e => e.EventId.Name == "StreamListSent");
    }

    // Icecast polls its master every <master-update-interval> seconds (120 by default; 1 here, so the test is quick).
    private static string MasterServer(TestStation station, string password) => $"""
          <master-server>127.0.0.1</master-server>
          <master-server-port>{station.BaseUri.Port}</master-server-port>
          <master-update-interval>1</master-update-interval>
          <master-username>relay</master-username>
          <master-password>{password}</master-password>
        """;

    private async Task AssertRelaysAsync(TestStation station, IcecastServer icecast)
    {
        // The relay connects once, as Icecast: a relay at the station, not a listener.
        await UntilAsync(() => station.Listeners.Relays == 1, "Icecast never connected to the station");
        var relay = Assert.Single(station.Listeners.Sessions);
        Assert.StartsWith("Icecast 2.4", relay.UserAgent, StringComparison.Ordinal);
        Assert.True(relay.MetaInt > 0, "Icecast did not ask for ICY metadata");
        Assert.Equal(0, station.Listeners.Count);

        // Icecast's mount exists once the relay's source is up; its player asks for ICY metadata as ours do.
        StreamClient? player = null;
        await UntilAsync(async () =>
        {
            var client = await StreamClient.ConnectAsync(icecast.Url("/stream"), icyMetadata: true);
            if (client.StatusCode == 200)
            {
                player = client;
                return true;
            }
            await client.DisposeAsync();
            return false;
        }, "Icecast's /stream never answered 200");
        await using var listener = player!;
        Assert.Equal("audio/mpeg", listener.Headers["Content-Type"]);
        Assert.True(listener.MetaInt > 0);

        // Our titles, as Icecast passes them on: both tracks' in turn, so a change came through.
        await UntilAsync(() => listener.Blocks.Select(b => b.StreamTitle).Where(t => t is not null).Distinct().Count() >= 2, "Icecast's player never saw the title change");
        var titles = listener.Blocks.Select(b => b.StreamTitle).Where(t => t is not null).Distinct().ToList();
        _output.WriteLine($"titles via Icecast: {string.Join(", ", titles)}");
        Assert.All(titles, t => Assert.Contains(t, s_titles));

        // And the audio is ours: MP3 that decodes to the two tones (a second of the new title's audio too).
        var changedAt = listener.Blocks.First(b => b.StreamTitle is not null && b.StreamTitle != titles[0]).AudioOffset;
        await listener.WaitForAudioAsync(changedAt + 16_000);
        var (samples, rate, channels) = TestAudio.DecodeMp3(listener.Audio);
        var mono = TestAudio.Channel(samples, channels, 0);
        Assert.True(mono.Length > rate * 3, $"only {mono.Length} samples decoded");
        var tones = Enumerable.Range(0, mono.Length / (rate / 4) - 1)
            .Select(i => TestAudio.ToneFrequency(mono.AsSpan(i * (rate / 4), rate / 4), rate))
            .ToList();
        Assert.Contains(tones, f => Math.Abs(f - 440) < 10);
        Assert.Contains(tones, f => Math.Abs(f - 660) < 10);

        // Icecast's listeners are Icecast's: the station counts none of them.
        using var stats = JsonDocument.Parse(await icecast.StatusJsonAsync());
        Assert.Equal(1, stats.RootElement.GetProperty("icestats").GetProperty("source").GetProperty("listeners").GetInt32());
        Assert.Equal((0, 1), (station.Listeners.Count, station.Listeners.Relays));
    }

    private static Task UntilAsync(Func<bool> condition, string failure) => UntilAsync(() => Task.FromResult(condition()), failure);

    /// <summary>Polls <paramref name="condition"/> until it holds, for at most 20 s.</summary>
    private static async Task UntilAsync(Func<Task<bool>> condition, string failure)
    {
        var until = Environment.TickCount64 + 20_000;
        while (!await condition())
        {
            if (Environment.TickCount64 > until)
            {
                throw new TimeoutException(failure);
            }
            await Task.Delay(100);
        }
    }
}
