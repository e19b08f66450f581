using Microsoft.Playwright;
using RadioServer.Tests.Infrastructure;
using RadioServer.Tests.Operations;
using static Microsoft.Playwright.Assertions;

namespace RadioServer.Tests.Web;

/// <summary>
/// The operators' dashboard's "Across nodes" block in Chromium: with <c>Radio:Redis</c> it says how the hubs' backplane
/// is (from the status's <c>redis</c>, pushed once a second of station time), against a real redis-server that the
/// test stops and starts again.
/// </summary>
public sealed class OperatorAcrossNodesPageTests : IClassFixture<Browser>, IAsyncLifetime
{
    private readonly Browser _browser;
    private readonly TempFolder _folder = new();
    private readonly string _prefix = $"radioserver-test-{Guid.NewGuid():N}:";
    private RedisServer _redis = null!;

    public OperatorAcrossNodesPageTests(Browser browser)
    {
        _browser = browser;
        TestAudio.WriteToneWav(_folder.File("A - B.wav"), 440, 5);
    }

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _redis.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task AcrossNodes_WithRedis_SaysConnectedAndThePrefix_DisconnectedWhileRedisIsStopped_AndConnectedAgain()
    {
        await using var station = await TestStation.StartAsync(_folder.Media, Operators.Settings(
            ("Radio:Redis", _redis.Configuration), ("Radio:RedisChannelPrefix", _prefix)));
        await Poll.UntilAsync(async () => (await Operators.StatusAsync(station)).Redis.Connected, "the node to connect to Redis");
        await station.AdvanceAsync(TimeSpan.FromSeconds(0.5));
        await using var browser = await _browser.NewPageAsync(station.BaseUri);
        var page = browser.Page;
        var block = page.Locator("#edges");
        var redis = page.Locator("#redis-summary");

        // The state on joining: Redis connected, this station's prefix; a single node has no edges to list.
        await OperatorHostsPageTests.ConnectAsync(page);
        await Expect(block).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Across nodes" })).ToBeVisibleAsync();
        await Expect(redis).ToHaveTextAsync($"Hub across nodes: Redis connected, channel prefix {_prefix}; this node publishes to every node.");
        await Expect(redis).ToHaveAttributeAsync("data-bad", "false");
        await Expect(page.Locator("#edges-summary")).ToBeHiddenAsync();
        await Expect(page.Locator("#edges-list")).ToBeHiddenAsync();
        await Accessibility.AssertNoViolationsAsync(page);

        // Redis gone: the next update (sent to this node's own dashboard, Redis being away) says so, in the alarm colour.
        await _redis.KillAsync();
        await Poll.UntilAsync(async () => !(await Operators.StatusAsync(station)).Redis.Connected, "the node to see Redis gone");
        await StepUntilAsync(station, async () => (await redis.TextContentAsync())?.Contains("Redis disconnected", StringComparison.Ordinal) == true, "the dashboard to say Redis is disconnected");
        await Expect(redis).ToContainTextAsync("Hub across nodes: Redis disconnected since ");
        await Expect(redis).ToContainTextAsync("each node's hubs reach only their own clients.");
        await Expect(redis).ToHaveAttributeAsync("data-bad", "true");
        await Expect(block).ToBeVisibleAsync();

        // Back: connected again (the updates come through Redis once more), with what the other nodes missed meanwhile.
        await _redis.StartAgainAsync();
        await Poll.UntilAsync(async () => (await Operators.StatusAsync(station)).Redis.Connected, "the node to reconnect");
        await StepUntilAsync(station, async () => (await redis.TextContentAsync())?.Contains("Redis connected", StringComparison.Ordinal) == true, "the dashboard to say Redis is connected again");
        await Expect(redis).ToContainTextAsync($"Redis connected, channel prefix {_prefix}; this node publishes to every node.");
        await Expect(redis).ToContainTextAsync("did not reach the other nodes.");
        await Expect(redis).ToHaveAttributeAsync("data-bad", "false");
        browser.AssertNoErrors();
    }

    [Fact]
    public async Task AcrossNodes_WithoutRedisOrEdges_IsNotShown()
    {
        await using var station = await TestStation.StartAsync(_folder.Media, Operators.Settings());
        await station.AdvanceAsync(TimeSpan.FromSeconds(0.5));
        await using var browser = await _browser.NewPageAsync(station.BaseUri);
        var page = browser.Page;

        await OperatorHostsPageTests.ConnectAsync(page);
        await Expect(page.Locator("#listener-count")).ToHaveTextAsync("0"); // the state has been shown
        await Expect(page.Locator("#edges")).ToBeHiddenAsync();
        await Expect(page.Locator("#redis-summary")).ToBeHiddenAsync();
        browser.AssertNoErrors();
    }

    /// <summary>Steps the station's clock a second at a time (one operators' update each) until <paramref name="condition"/> holds.</summary>
    private static Task StepUntilAsync(TestStation station, Func<Task<bool>> condition, string what) =>
        Poll.UntilAsync(condition, what, async () =>
        {
            await station.AdvanceAsync(TimeSpan.FromSeconds(1));
            await Task.Delay(50); // for the update to reach the page before it is read again
        });
}
