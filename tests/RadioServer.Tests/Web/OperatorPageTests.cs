using System.Net;
using System.Net.Http.Headers;
using Microsoft.Playwright;
using RadioServer.Streaming;
using RadioServer.Streaming.Listeners;
using RadioServer.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace RadioServer.Tests.Web;

/// <summary>
/// The operators' dashboard (/operator) in a real browser against the real server on a fake clock: it joins the
/// hub's operators' group with the key and shows what the server pushes (once a second of fake time).
/// </summary>
public sealed class OperatorPageTests : IClassFixture<Browser>, IDisposable
{
    private const string OperatorKey = "operator-key-for-tests";
    private const string HostKey = "host-key-for-tests";
    private const string BadKey = "Operator key missing or not accepted.";

    private readonly Browser _browser;
    private readonly TempFolder _folder = new();

    public OperatorPageTests(Browser browser) => _browser = browser;

    public void Dispose() => _folder.Dispose();

    private static Dictionary<string, string?> Settings(params (string Key, string? Value)[] more)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Radio:Auth:OperatorKey"] = OperatorKey,
            ["Radio:Auth:HostKey"] = HostKey,
        };
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }
        return settings;
    }

    private static async Task ConnectAsync(IPage page, string key)
    {
        await page.GotoAsync("/operator");
        await page.GetByLabel("Operator key").FillAsync(key);
        await page.Locator("#connect").ClickAsync();
    }

    [Fact]
    public async Task Dashboard_ShowsListenerCountChange_WhenAListenerConnects()
    {
        TestAudio.WriteToneWav(_folder.File("A - B.wav"), 440, 5);
        await using var station = await TestStation.StartAsync(_folder.Media, Settings());
        await station.AdvanceAsync(TimeSpan.FromSeconds(1));
        await using var browser = await _browser.NewPageAsync(station.BaseUri);
        var page = browser.Page;
        var count = page.Locator("#listener-count");
        var rows = page.Locator("#listeners-table tbody tr[data-id]");

        await ConnectAsync(page, OperatorKey);
        await Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", "connected");
        await Expect(count).ToHaveTextAsync("0");
        await Expect(count).ToHaveAttributeAsync("aria-live", "polite");
        await Expect(page.Locator("#now-playing")).ToHaveTextAsync("A - B");
        await Expect(page.Locator("#listeners-shown")).ToHaveTextAsync("showing 0 of 0");
        await Expect(rows).ToHaveCountAsync(0);

        // A real listener on /stream, kept open.
        var joined = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var left = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        station.Listeners.Joined += _ => joined.TrySetResult();
        station.Listeners.Left += _ => left.TrySetResult();
        var listener = await StreamClient.ConnectAsync(station.Url("/stream"));
        try
        {
            Assert.Equal(200, listener.StatusCode);
            await joined.Task.WaitAsync(TimeSpan.FromSeconds(10));
            await station.AdvanceAsync(TimeSpan.FromSeconds(1.5)); // the operators' push: once a second of station time
            await listener.WaitForAudioAsync(1_000);

            await Expect(count).ToHaveTextAsync("1");
            await Expect(page.Locator("#listener-peak")).ToHaveTextAsync("1");
            await Expect(rows).ToHaveCountAsync(1);
            await Expect(rows.First).ToContainTextAsync("RadioServer.Tests");
            await Expect(rows.First).ToContainTextAsync("127.0.0.0"); // anonymised unless configured
            await Expect(rows.First.GetByRole(AriaRole.Button, new() { Name = "Drop listener" })).ToBeVisibleAsync();
            await Expect(page.Locator("#listeners-shown")).ToHaveTextAsync("showing 1 of 1");
            await Expect(page.Locator("#listener-chart svg path.line")).ToHaveCountAsync(1);
        }
        finally
        {
            await listener.DisposeAsync();
        }

        // The server notices the close when a write fails, which may take more than one write: keep the air
        // chain producing until the listener has left.
        for (var step = 0; !left.Task.IsCompleted; step++)
        {
            Assert.True(step < 100, "The server did not notice the listener leave within 10 s of station time.");
            await station.AdvanceAsync(TimeSpan.FromMilliseconds(100));
            await Task.WhenAny(left.Task, Task.Delay(TimeSpan.FromMilliseconds(100)));
        }
        await station.AdvanceAsync(TimeSpan.FromSeconds(1.5));

        await Expect(count).ToHaveTextAsync("0");
        await Expect(rows).ToHaveCountAsync(0);
        await Expect(page.Locator("#listeners-shown")).ToHaveTextAsync("showing 0 of 0");
        await Expect(page.Locator("#listener-peak")).ToHaveTextAsync("1");
        await Expect(page.Locator("#alarm-banner")).ToBeHiddenAsync();
        browser.AssertNoErrors();
    }

    [Fact]
    public async Task Dashboard_WrongKey_ShowsNothing()
    {
        TestAudio.WriteToneWav(_folder.File("A - B.wav"), 440, 5);
        await using var station = await TestStation.StartAsync(_folder.Media, Settings());
        await station.AdvanceAsync(TimeSpan.FromSeconds(1));
        await using var listener = await StreamClient.ConnectAsync(station.Url("/stream"));
        await using var browser = await _browser.NewPageAsync(station.BaseUri);
        var page = browser.Page;
        var status = page.Locator("#auth-status");
        var count = page.Locator("#listener-count");

        // A wrong key, the host key (valid, but not an operator's), and none at all.
        foreach (var key in new[] { "not-the-operator-key", HostKey, "" })
        {
            await ConnectAsync(page, key);
            await Expect(status).ToHaveTextAsync(BadKey);
            await Expect(status).ToBeVisibleAsync();
            await Expect(status).ToHaveAttributeAsync("data-kind", "error");
            await station.AdvanceAsync(TimeSpan.FromSeconds(1.5)); // pushes to operators, if it had joined
            await Expect(page.Locator("#dashboard")).ToBeHiddenAsync();
            await Expect(count).ToBeHiddenAsync();
            await Expect(count).ToHaveTextAsync("");
            await Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", "disconnected");
            await Expect(status).ToHaveTextAsync(BadKey);
            Assert.False(await page.EvaluateAsync<bool>("() => window.radioOperator.joined"));
            Assert.Empty(await page.Locator("#listener-rows tr").AllAsync());
            await Expect(page.Locator("body")).Not.ToContainTextAsync("RadioServer.Tests");
        }
        browser.AssertNoErrors();

        // Over HTTP: the listener list without a key is 401 and with the host key 403, and neither reveals anyone.
        using var http = new HttpClient { BaseAddress = station.BaseUri };
        using (var response = await http.GetAsync("/api/listeners"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            AssertRevealsNoListener(await response.Content.ReadAsStringAsync());
        }
        using (var request = new HttpRequestMessage(HttpMethod.Get, "/api/listeners"))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", HostKey);
            using var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            AssertRevealsNoListener(await response.Content.ReadAsStringAsync());
        }
        Assert.Equal(1, station.Listeners.Count);
    }

    private static void AssertRevealsNoListener(string body)
    {
        foreach (var field in new[] { "userAgent", "address", "connectedSince", "bytesSent", "lagSeconds", "\"total\"", "listeners", "127.0.0", "RadioServer.Tests" })
        {
            Assert.DoesNotContain(field, body, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task Dashboard_DeadAirAlarm_ShowsBanner()
    {
        TestAudio.WriteToneWav(_folder.File("Quiet - Nothing.wav"), 440, 30, amplitude: 0f); // digital silence
        await using var station = await TestStation.StartAsync(_folder.Media, Settings(("Radio:DeadAir:Seconds", "2")));
        await using var browser = await _browser.NewPageAsync(station.BaseUri);
        var page = browser.Page;
        var banner = page.Locator("#alarm-banner");

        await ConnectAsync(page, OperatorKey);
        await Expect(page.Locator("#listener-count")).ToHaveTextAsync("0");
        await Expect(banner).ToBeHiddenAsync();
        await Expect(page.Locator("#alarms")).ToContainTextAsync("No alarms");

        await station.AdvanceAsync(TimeSpan.FromSeconds(3.5), TimeSpan.FromMilliseconds(100));

        await Expect(banner).ToBeVisibleAsync();
        await Expect(banner).ToHaveAttributeAsync("role", "alert");
        await Expect(banner).ToContainTextAsync("Dead air");
        await Expect(page.Locator("#alarms li.alarm-active")).ToHaveCountAsync(1);
        await Expect(page.Locator("#alarms li.alarm-active")).ToContainTextAsync("Dead air raised");
        await Expect(page.Locator("#encoder-level")).ToHaveTextAsync("silent");
        browser.AssertNoErrors();
    }
}
