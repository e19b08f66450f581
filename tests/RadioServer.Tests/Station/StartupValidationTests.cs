using System.Net;
using Microsoft.Extensions.Options;
using RadioServer.Tests.Infrastructure;

namespace RadioServer.Tests.Station;

/// <summary>Keys (Radio:Auth) and CORS origins (Radio:Cors) are validated at start like every other section: one message per problem.</summary>
public sealed class StartupValidationTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("   ", "Radio:Auth:HostKey is blank")]
    [InlineData(" host-key", "Radio:Auth:HostKey begins or ends with whitespace")]
    [InlineData("host-key\t", "Radio:Auth:HostKey begins or ends with whitespace")]
    [InlineData("host\u0001key", "Radio:Auth:HostKey contains a control character")]
    public async Task Start_BadHostKey_IsRefused(string key, string expected)
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => TestStation.StartAsync(_folder.Media, new Dictionary<string, string?> { ["Radio:Auth:HostKey"] = key }));
        Assert.Contains(error.Failures, f => f.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_KeysTooLongOrEqual_FailsWithOneMessagePerProblem()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => TestStation.StartAsync(_folder.Media, new Dictionary<string, string?>
        {
            ["Radio:Auth:HostKey"] = new string('h', 257),
            ["Radio:Auth:OperatorKey"] = new string('h', 257),
        }));
        var failures = error.Failures.ToList();
        Assert.Contains(failures, f => f.Contains("Radio:Auth:HostKey is longer than 256 characters", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("Radio:Auth:OperatorKey is longer than 256 characters", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("are the same key", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_EmptyKeys_AreUnset_AndGenerated()
    {
        await using var station = await TestStation.StartAsync(_folder.Media, new Dictionary<string, string?> { ["Radio:Auth:HostKey"] = "", ["Radio:Auth:OperatorKey"] = "" });
        Assert.Equal(2, station.Logs.Entries.Count(e => e.EventId.Name == "KeyGenerated"));
    }

    [Fact]
    public async Task Start_BadOrigins_FailsWithOneMessagePerOrigin()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => TestStation.StartAsync(_folder.Media, new Dictionary<string, string?>
        {
            ["Radio:Cors:Origins:0"] = "https://friend.example",
            ["Radio:Cors:Origins:1"] = "https://friend.example/page",
            ["Radio:Cors:Origins:2"] = "*",
            ["Radio:Cors:Origins:3"] = "ftp://files.example",
            ["Radio:Cors:Origins:4"] = "https://friend.example:443",
            ["Radio:Cors:Origins:5"] = "friend.example",
        }));
        var failures = error.Failures.ToList();
        Assert.Equal(5, failures.Count);
        Assert.Contains(failures, f => f.Contains("Radio:Cors:Origins:1 'https://friend.example/page' is not just an origin: use https://friend.example.", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("Radio:Cors:Origins:2 '*' is not an absolute http or https origin", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("Radio:Cors:Origins:3 'ftp://files.example' is not an absolute http or https origin", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("Radio:Cors:Origins:4 'https://friend.example:443' is not just an origin", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("Radio:Cors:Origins:5 'friend.example' is not an absolute http or https origin", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_OriginWithTrailingSlashOrPort_IsAccepted()
    {
        await using var station = await TestStation.StartAsync(_folder.Media, new Dictionary<string, string?>
        {
            ["Radio:Cors:Origins:0"] = "https://friend.example/",
            ["Radio:Cors:Origins:1"] = "http://localhost:5173",
        });
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, station.Url("/api/schedule/now"));
        request.Headers.Add("Origin", "https://friend.example");
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(request)).StatusCode);
    }

    [Fact]
    public async Task Start_BadValuesInSeveralSections_ReportsEverySection()
    {
        var error = await Assert.ThrowsAsync<AggregateException>(() => TestStation.StartAsync(_folder.Media, new Dictionary<string, string?>
        {
            ["Radio:Auth:OperatorKey"] = " ",
            ["Radio:Cors:Origins:0"] = "*",
        }));
        var failures = error.InnerExceptions.Cast<OptionsValidationException>().SelectMany(e => e.Failures).ToList();
        Assert.Contains(failures, f => f.Contains("Radio:Auth:OperatorKey is blank", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("Radio:Cors:Origins:0 '*'", StringComparison.Ordinal));
    }
}
