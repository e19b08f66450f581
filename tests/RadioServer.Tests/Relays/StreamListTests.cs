using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using RadioServer.Tests.Infrastructure;

namespace RadioServer.Tests.Relays;

/// <summary>
/// <c>/admin/streamlist.txt</c> asked for exactly as an Icecast 2.4 slave asks (src/slave.c, <c>update_from_master</c>),
/// and a relay's stream connection (Icecast's User-Agent) counted as a relay, not a listener.
/// </summary>
public sealed class StreamListTests : IDisposable
{
    private const string Password = "relay-password-for-tests";
    private readonly TempFolder _folder = new();

    public StreamListTests() => TestAudio.WriteToneWav(_folder.File("Alpha - One.wav"), 500, 2);

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task StreamList_WithTheRelayCredentials_ListsTheMount_AsIcecastsSlaveReadsIt()
    {
        await using var station = await TestStation.StartAsync(_folder.Media, new Dictionary<string, string?> { ["Radio:Relay:Password"] = Password, ["Radio:MountPath"] = "/radio.mp3" });

        var (status, head, body) = await SlaveRequestAsync(station, "relay", Password);

        // The slave takes the list only after a status line starting "HTTP/1.0 200" or "HTTP/1.1 200"; then it reads lines until the close.
        Assert.Matches(@"^HTTP/1\.[01] 200", status);
        Assert.Contains("Content-Type: text/plain; charset=utf-8", head, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("/radio.mp3\r\n", body);
        Assert.Contains(station.Logs.Entries, e => e.EventId.Name == "StreamListSent");
    }

    [Fact]
    public async Task StreamList_TakesTheConfiguredUser()
    {
        await using var station = await TestStation.StartAsync(_folder.Media, new Dictionary<string, string?> { ["Radio:Relay:Password"] = Password, ["Radio:Relay:User"] = "edge-1" });

        Assert.Matches(@"^HTTP/1\.[01] 200", (await SlaveRequestAsync(station, "edge-1", Password)).Status);
        Assert.Matches(@"^HTTP/1\.[01] 401", (await SlaveRequestAsync(station, "relay", Password)).Status);
    }

    [Theory]
    [InlineData("relay", "wrong-password")]
    [InlineData("source", Password)]
    [InlineData(null, null)]
    public async Task StreamList_WithWrongOrNoCredentials_Is401_AndListsNothing(string? user, string? password)
    {
        await using var station = await TestStation.StartAsync(_folder.Media, new Dictionary<string, string?> { ["Radio:Relay:Password"] = Password });

        var (status, head, body) = await SlaveRequestAsync(station, user, password);

        Assert.Matches(@"^HTTP/1\.[01] 401", status);
        Assert.Contains("WWW-Authenticate: Basic", head, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("/stream", body, StringComparison.Ordinal);
        Assert.Contains(station.Logs.Entries, e => e.EventId.Name is "KeyRefused" or "KeysRefusedFrom" && e.Message.Contains("/admin/streamlist.txt", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StreamList_WithoutARelayPassword_Is404_AndTheLogSaysWhy()
    {
        await using var station = await TestStation.StartAsync(_folder.Media);

        var (status, _, body) = await SlaveRequestAsync(station, "relay", "anything");

        Assert.Matches(@"^HTTP/1\.[01] 404", status);
        Assert.Contains("Radio:Relay:Password", body, StringComparison.Ordinal);
        var warning = Assert.Single(station.Logs.Entries, e => e.EventId.Name == "StreamListUnconfigured");
        Assert.Contains("Radio:Relay:Password", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RelayConnection_IsCountedAsARelay_NotAsAListener()
    {
        await using var station = await TestStation.StartAsync(_folder.Media);
        await station.AdvanceAsync(TimeSpan.FromSeconds(1));
        using var http = new HttpClient { BaseAddress = station.BaseUri };

        // Icecast's relay request: its server id as the User-Agent, Icy-MetaData: 1 (src/slave.c, open_relay_connection).
        await using var relay = await StreamClient.ConnectAsync(station.Url("/stream"), icyMetadata: true, userAgent: "Icecast 2.4.4");
        await using var listener = await StreamClient.ConnectAsync(station.Url("/stream"));
        await station.AdvanceAsync(TimeSpan.FromSeconds(1));
        await relay.WaitForAudioAsync(16_000);
        Assert.Equal(16_000, relay.MetaInt);

        Assert.Equal((1, 1), (station.Listeners.Count, station.Listeners.Relays));
        using var status = JsonDocument.Parse(await http.GetStringAsync("/api/status"));
        var listeners = status.RootElement.GetProperty("listeners");
        Assert.Equal((1, 1), (listeners.GetProperty("current").GetInt32(), listeners.GetProperty("relays").GetInt32()));
        using var icecast = JsonDocument.Parse(await http.GetStringAsync("/status-json.xsl"));
        Assert.Equal(1, icecast.RootElement.GetProperty("icestats").GetProperty("source").GetProperty("listeners").GetInt32());
        var metrics = await http.GetStringAsync("/metrics");
        Assert.Contains("\nradio_relays 1\n", metrics, StringComparison.Ordinal);
        Assert.Contains("\nradio_listeners 1\n", metrics, StringComparison.Ordinal);
    }

    /// <summary>
    /// Byte for byte what Icecast's slave sends (HTTP/1.0, no Host, the Basic header or none), read to the close;
    /// the status line, the head and the body.
    /// </summary>
    private static async Task<(string Status, string Head, string Body)> SlaveRequestAsync(TestStation station, string? user, string? password)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(station.BaseUri.Host, station.BaseUri.Port);
        var auth = user is null ? "" : $"Authorization: Basic {Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"))}\r\n";
        await socket.SendAsync(Encoding.ASCII.GetBytes($"GET /admin/streamlist.txt HTTP/1.0\r\n{auth}\r\n"));
        using var received = new MemoryStream();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        int n;
        while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token)) > 0)
        {
            received.Write(buffer, 0, n);
        }
        var text = Encoding.UTF8.GetString(received.ToArray());
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(end > 0, $"No whole response head: {text}");
        return (text[..text.IndexOf("\r\n", StringComparison.Ordinal)], text[..end], text[(end + 4)..]);
    }
}
