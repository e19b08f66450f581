using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using RadioServer.Streaming;
using RadioServer.Streaming.Listeners;
using RadioServer.Tests.Infrastructure;

namespace RadioServer.Tests.Operations;

/// <summary>GET /api/listeners and DELETE /api/listeners/{id}: operator key only.</summary>
public sealed class ListenerApiTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public ListenerApiTests() => TestAudio.WriteToneWav(_folder.File("Alpha - One.wav"), 500, 2);

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Listeners_ListsTheListenerAnonymised_AndDeleteDropsIt()
    {
        await using var station = await TestStation.StartAsync(_folder.Media, Operators.Settings());
        await station.AdvanceAsync(TimeSpan.FromSeconds(1));
        await using var listener = await StreamClient.ConnectAsync(station.Url("/stream"), icyMetadata: true);
        await listener.WaitForAudioAsync(10_000);
        using var http = Operators.Http(station);

        using var list = JsonDocument.Parse(await http.GetStringAsync("/api/listeners"));
        Assert.Equal(1, list.RootElement.GetProperty("total").GetInt32());
        var one = Assert.Single(list.RootElement.GetProperty("listeners").EnumerateArray().ToList());
        Assert.Equal("127.0.0.0", one.GetProperty("address").GetString()); // IPv4 /24 unless configured
        Assert.Equal("RadioServer.Tests", one.GetProperty("userAgent").GetString());
        Assert.True(one.GetProperty("metadata").GetBoolean());
        Assert.True(one.GetProperty("bytesSent").GetInt64() >= 10_000);
        Assert.InRange(one.GetProperty("lagBytes").GetInt64(), 0, 70_000);
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 12, 0, 1, TimeSpan.Zero), one.GetProperty("connectedSince").GetDateTimeOffset());
        var id = one.GetProperty("id").GetInt64();

        var left = new TaskCompletionSource<ListenerSession>(TaskCreationOptions.RunContinuationsAsynchronously);
        station.Listeners.Left += s => left.TrySetResult(s);
        using var delete = await http.DeleteAsync($"/api/listeners/{id}");
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        await station.AdvanceUntilAsync(left.Task); // its request loop wakes at the next chunk and stops
        var session = await left.Task;
        Assert.Equal(LeaveReason.Kicked, session.LeaveReason);
        await listener.Completion.WaitAsync(TimeSpan.FromSeconds(10)); // the player's connection ends
        var status = await Operators.StatusAsync(station);
        Assert.Equal(0, status.Listeners.Current);
        Assert.Contains(status.Listeners.Disconnects, d => d.Reason == "kicked" && d.Count == 1);

        using var again = await http.DeleteAsync($"/api/listeners/{id}");
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        using var bad = await http.DeleteAsync("/api/listeners/abc");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("not a listener id", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Listeners_ShowWholeAddresses_WhenConfigured()
    {
        await using var station = await TestStation.StartAsync(_folder.Media, Operators.Settings(("Radio:Operations:ShowListenerAddresses", "true")));
        await station.AdvanceAsync(TimeSpan.FromSeconds(1));
        await using var listener = await StreamClient.ConnectAsync(station.Url("/stream"));
        await listener.WaitForAudioAsync(1_000);
        using var http = Operators.Http(station);
        using var list = JsonDocument.Parse(await http.GetStringAsync("/api/listeners"));
        Assert.Equal("127.0.0.1", list.RootElement.GetProperty("listeners")[0].GetProperty("address").GetString());
    }

    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized)]
    [InlineData("wrong-key", HttpStatusCode.Unauthorized)]
    [InlineData(Operators.HostKey, HttpStatusCode.Forbidden)]
    public async Task OperatorEndpoints_RefuseWithoutTheOperatorKey_AndRevealNothing(string? key, HttpStatusCode expected)
    {
        await using var station = await TestStation.StartAsync(_folder.Media, Operators.Settings());
        await station.AdvanceAsync(TimeSpan.FromSeconds(1));
        await using var listener = await StreamClient.ConnectAsync(station.Url("/stream"));
        using var http = Operators.Http(station, key);
        foreach (var request in new[] { new HttpRequestMessage(HttpMethod.Get, "/api/listeners"), new HttpRequestMessage(HttpMethod.Delete, "/api/listeners/1"), new HttpRequestMessage(HttpMethod.Get, "/api/history?format=csv") })
        {
            using var response = await http.SendAsync(request);
            Assert.Equal(expected, response.StatusCode);
            var body = await response.Content.ReadAsStringAsync();
            Assert.DoesNotContain("127.0.0", body, StringComparison.Ordinal);
            Assert.DoesNotContain("userAgent", body, StringComparison.Ordinal);
            Assert.DoesNotContain("Alpha", body, StringComparison.Ordinal);
        }
        Assert.Equal(1, station.Listeners.Count); // nobody was dropped
    }
}
