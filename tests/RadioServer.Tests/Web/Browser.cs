using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace RadioServer.Tests.Web;

/// <summary>
/// Debian's headless Chromium (<c>/usr/bin/chromium</c>, installed by <c>scripts/setup.sh test</c>) driven by
/// Playwright, launched once per test class: use it as <c>IClassFixture&lt;Browser&gt;</c> and open a fresh
/// <see cref="BrowserPage"/> (its own context: no cookies or session storage shared) in each test.
/// Playwright's driver (Node and its package) is the <c>.playwright</c> folder that the NuGet package copies
/// next to the test assembly; no browser is ever downloaded.
/// </summary>
public class Browser : IAsyncLifetime
{
    public const string ExecutablePath = "/usr/bin/chromium";

    private readonly string[] _extraArgs;

    public Browser()
        : this([])
    {
    }

    /// <summary>For a fixture that needs more command-line switches (see <see cref="MediaBrowser"/>).</summary>
    protected Browser(IEnumerable<string> extraArgs) => _extraArgs = [.. extraArgs];

    /// <summary>The longest any single wait (navigation, click, assertion) may take before the test fails.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public IBrowser Instance => _browser ?? throw new InvalidOperationException("The browser is not running.");

    public async Task InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException($"{ExecutablePath} is missing: run scripts/setup.sh test (installs Debian's chromium).");
        }
        Assertions.SetDefaultExpectTimeout((float)Timeout.TotalMilliseconds);
        _playwright = await Playwright.CreateAsync();
        try
        {
            _browser = await _playwright.Chromium.LaunchAsync(new()
            {
                ExecutablePath = ExecutablePath,
                Headless = true,
                Timeout = 30_000,
                Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", .. _extraArgs],
            });
        }
        catch
        {
            _playwright.Dispose();
            _playwright = null;
            throw;
        }
    }

    /// <summary>A new context and page whose relative URLs resolve against <paramref name="baseUri"/>; fixed locale and zone.</summary>
    public async Task<BrowserPage> NewPageAsync(Uri baseUri)
    {
        var context = await Instance.NewContextAsync(new()
        {
            BaseURL = baseUri.ToString(),
            Locale = "en-GB",
            TimezoneId = "UTC",
            ViewportSize = new() { Width = 1280, Height = 900 },
        });
        try
        {
            context.SetDefaultTimeout((float)Timeout.TotalMilliseconds);
            context.SetDefaultNavigationTimeout((float)Timeout.TotalMilliseconds);
            return new BrowserPage(context, await context.NewPageAsync());
        }
        catch
        {
            await context.DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
            _browser = null;
        }
        _playwright?.Dispose();
        _playwright = null;
    }
}

/// <summary>The same browser, allowed to play audio without a user gesture (the listener page's play tests).</summary>
public sealed class MediaBrowser : Browser
{
    public MediaBrowser()
        : base(["--autoplay-policy=no-user-gesture-required"])
    {
    }
}

/// <summary>
/// One page in its own browser context that records every uncaught script error, every console error and
/// every failed request, so a test can assert that the page's JavaScript ran clean.
/// </summary>
public sealed partial class BrowserPage : IAsyncDisposable
{
    private readonly IBrowserContext _context;
    private readonly List<string> _errors = [];

    internal BrowserPage(IBrowserContext context, IPage page)
    {
        _context = context;
        Page = page;
        page.PageError += (_, error) => Record($"page error: {error}");
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                Record($"console error: {message.Text} ({message.Location})");
            }
        };
        page.RequestFailed += (_, request) => Record($"request failed: {request.Method} {request.Url}: {request.Failure}");
    }

    public IPage Page { get; }

    /// <summary>Everything that went wrong so far, in order.</summary>
    public IReadOnlyList<string> Errors
    {
        get
        {
            lock (_errors)
            {
                return [.. _errors];
            }
        }
    }

    /// <summary>
    /// Fails if the page threw, logged an error or lost a request. Chromium logs every 4xx/5xx answer to a
    /// fetch as a console error ("Failed to load resource: ... status of 401"); the statuses the test provoked
    /// on purpose are passed in <paramref name="expectedHttpStatuses"/> and only those are let through.
    /// </summary>
    public void AssertNoErrors(params int[] expectedHttpStatuses)
    {
        var unexpected = Errors.Where(e =>
        {
            var match = FailedToLoad().Match(e);
            return !(match.Success && expectedHttpStatuses.Contains(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)));
        }).ToList();
        Assert.True(unexpected.Count == 0, "The page reported errors:\n" + string.Join("\n", unexpected));
    }

    public async ValueTask DisposeAsync() => await _context.DisposeAsync();

    private void Record(string error)
    {
        lock (_errors)
        {
            _errors.Add(error);
        }
    }

    [GeneratedRegex(@"^console error: Failed to load resource: the server responded with a status of (\d{3})\b")]
    private static partial Regex FailedToLoad();
}
