using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using RadioServer.Streaming;
using RadioServer.Streaming.Listeners;
using RadioServer.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace RadioServer.Tests.Web;

/// <summary>
/// The operators' dashboard (/operator) in a real browser against the real server on a fake clock: it joins the
/// operators' hub (/hubs/operators) with the key and shows what the server pushes (once a second of fake time),
/// and takes the players' messages (nowPlaying, onAir, streamStatus) from /hubs/radio.
/// </summary>
public sealed partial class OperatorPageTests : IClassFixture<Browser>, IDisposable
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
    public async Task Dashboard_JoinsTheOperatorsHubWithTheKey_AndTakesThePlayersMessagesFromTheRadioHub()
    {
        TestAudio.WriteToneWav(_folder.File("A - B.wav"), 440, 2);
        TestAudio.WriteToneWav(_folder.File("C - D.wav"), 660, 2);
        await using var station = await TestStation.StartAsync(_folder.Media, Settings());
        await station.AdvanceAsync(TimeSpan.FromSeconds(0.5));
        await using var browser = await _browser.NewPageAsync(station.BaseUri);
        var page = browser.Page;
        // What each hub's WebSocket carries: SignalR's JSON protocol names the client method as "target" (the
        // server writes "OperatorUpdate", the client matches names case-insensitively).
        var sockets = new List<(string Path, string Query)>();
        var operatorUpdate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var radioNowPlaying = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var misplaced = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        page.WebSocket += (_, socket) =>
        {
            var url = new Uri(socket.Url);
            lock (sockets)
            {
                sockets.Add((url.AbsolutePath, url.Query));
            }
            socket.FrameReceived += (_, frame) =>
            {
                foreach (Match message in Target().Matches(frame.Text ?? ""))
                {
                    var target = message.Groups[1].Value.ToLowerInvariant();
                    switch (url.AbsolutePath, target)
                    {
                        case ("/hubs/operators", "operatorupdate"):
                            operatorUpdate.TrySetResult();
                            break;
                        case ("/hubs/radio", "nowplaying"):
                            radioNowPlaying.TrySetResult(frame.Text!);
                            break;
                        case ("/hubs/radio", "operatorupdate" or "alarm" or "played"):
                        case ("/hubs/operators", "nowplaying" or "onair" or "streamstatus" or "state" or "listeners"):
                            misplaced.TrySetResult($"{target} on {url.AbsolutePath}");
                            break;
                    }
                }
            };
        };

        await ConnectAsync(page, OperatorKey);
        await Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", "connected");
        await Expect(page.Locator("#auth-status")).ToHaveTextAsync("Connected: live updates every second.");
        var first = await page.Locator("#now-playing").TextContentAsync();
        Assert.Contains(first, new[] { "A - B", "C - D" });
        var next = first == "A - B" ? "C - D" : "A - B";
        await page.EvaluateAsync("""
            () => {
              window.__titles = [];
              new MutationObserver(() => window.__titles.push(document.getElementById('now-playing').textContent))
                .observe(document.getElementById('now-playing'), { childList: true, characterData: true, subtree: true });
            }
            """);

        // The next track starts: /hubs/radio says so at once and the page shows it. (An operatorUpdate sent at
        // the same moment may still carry the track before, so only the titles seen are checked, not the last.)
        await station.AdvanceAsync(TimeSpan.FromSeconds(2.5));
        await operatorUpdate.Task.WaitAsync(Browser.Timeout);
        var nowPlaying = await radioNowPlaying.Task.WaitAsync(Browser.Timeout);
        Assert.Contains($"\"displayTitle\":\"{next}\"", nowPlaying, StringComparison.Ordinal);
        await page.WaitForFunctionAsync($"() => window.__titles.includes('{next}')");
        if (misplaced.Task.IsCompleted)
        {
            Assert.Fail(await misplaced.Task);
        }

        // The key goes to the operators' hub only (SignalR sends the access token in the WebSocket's query).
        lock (sockets)
        {
            var operators = Assert.Single(sockets, s => s.Path == "/hubs/operators");
            Assert.Contains("access_token=" + OperatorKey, operators.Query, StringComparison.Ordinal);
            var radio = Assert.Single(sockets, s => s.Path == "/hubs/radio");
            Assert.DoesNotContain("access_token", radio.Query, StringComparison.Ordinal);
        }
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

        var radioSockets = 0;
        page.WebSocket += (_, socket) =>
        {
            if (new Uri(socket.Url).AbsolutePath == "/hubs/radio")
            {
                Interlocked.Increment(ref radioSockets);
            }
        };

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
        Assert.Equal(0, Volatile.Read(ref radioSockets)); // the players' hub is opened only once the key is accepted
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

    [GeneratedRegex("\"target\":\"(\\w+)\"")]
    private static partial Regex Target();
}
