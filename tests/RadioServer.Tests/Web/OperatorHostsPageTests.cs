using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using RadioServer.Live.Accounts;
using RadioServer.Tests.Infrastructure;
using RadioServer.Tests.Operations;
using static Microsoft.Playwright.Assertions;

namespace RadioServer.Tests.Web;

/// <summary>The operators' dashboard's Hosts section in Chromium, against the real server and its accounts.</summary>
public sealed partial class OperatorHostsPageTests : IClassFixture<Browser>, IDisposable
{
    private const string Schedule = """
        { "timeZone": "UTC", "automation": { "playlist": { "items": ["A - B.wav"] } },
          "shows": [
            { "id": "morning-show", "title": "Morning Show", "hosts": ["Alex Morgan"], "playlist": { "items": ["A - B.wav"] },
              "slots": [ { "days": ["mon", "tue", "wed", "thu", "fri"], "start": "07:00", "end": "09:00" } ] },
            { "id": "evening-lounge", "title": "Evening Lounge", "hosts": ["Sam Rivera"], "playlist": { "items": ["A - B.wav"] },
              "slots": [ { "days": ["sat"], "start": "19:00", "end": "22:00" } ] } ] }
        """;

    private readonly Browser _browser;
    private readonly TempFolder _folder = new();

    public OperatorHostsPageTests(Browser browser)
    {
        _browser = browser;
        TestAudio.WriteToneWav(_folder.File("A - B.wav"), 440, 5);
        File.WriteAllText(Path.Combine(_folder.Path, "schedule.json"), Schedule);
    }

    public void Dispose() => _folder.Dispose();

    /// <summary>Opens the dashboard, gives the operator key and waits until it is connected.</summary>
    internal static async Task ConnectAsync(IPage page)
    {
        await page.GotoAsync("/operator");
        await page.GetByLabel("Operator key").FillAsync(Operators.OperatorKey);
        await page.Locator("#connect").ClickAsync();
        await Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", "connected");
    }

    [Fact]
    public async Task Hosts_CreateShowsThePasswordOnce_DisableShowsDisabled_DeleteAsksFirst()
    {
        await using var station = await TestStation.StartAsync(_folder.Media, Operators.Settings());
        await station.AdvanceAsync(TimeSpan.FromSeconds(0.5));
        var accounts = station.App.Services.GetRequiredService<HostAccountStore>();
        await using var browser = await _browser.NewPageAsync(station.BaseUri);
        var page = browser.Page;
        await page.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"]);
        var rows = page.Locator("#host-rows tr[data-name]");
        var without = page.Locator("#hosts-without-account li[data-name]");
        var secret = page.Locator("#host-secret");
        var status = page.Locator("#hosts-status");

        await ConnectAsync(page);
        await Expect(page.Locator("#host-rows")).ToContainTextAsync("No host accounts yet.");
        await Expect(without).ToHaveCountAsync(2);
        await Expect(without.Nth(0)).ToContainTextAsync("Alex Morgan (Morning Show)");
        await Expect(without.Nth(1)).ToContainTextAsync("Sam Rivera (Evening Lounge)");
        await Accessibility.AssertNoViolationsAsync(page);

        // Create Alex with a generated password: shown once, focused for copying, and it is the account's.
        await page.GetByLabel("Host name").FillAsync("Alex Morgan");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create account", Exact = true }).ClickAsync();
        await Expect(secret).ToBeVisibleAsync();
        await Expect(page.Locator("#host-secret-name")).ToHaveTextAsync("Alex Morgan");
        await Expect(page.Locator("#host-secret-copy")).ToBeFocusedAsync();
        await Expect(status).ToHaveTextAsync("Account for Alex Morgan created. Its password is shown once, below.");
        var password = await page.Locator("#host-secret-value").InputValueAsync();
        Assert.Matches(GeneratedPassword(), password);
        Assert.Equal("Alex Morgan", accounts.Verify("Alex Morgan", password)?.Name);
        await Expect(page.GetByLabel("Password for Alex Morgan, shown this once")).ToHaveValueAsync(password);
        await Accessibility.AssertNoViolationsAsync(page); // with the password shown

        await page.Locator("#host-secret-copy").ClickAsync();
        await Expect(status).ToHaveTextAsync("Password copied.");
        Assert.Equal(password, await page.EvaluateAsync<string>("() => navigator.clipboard.readText()"));

        await Expect(rows).ToHaveCountAsync(1);
        var alex = rows.First;
        await Expect(alex).ToHaveAttributeAsync("data-state", "active");
        await Expect(alex).ToContainTextAsync("Morning Show");
        await Expect(without).ToHaveCountAsync(1); // Sam still has none
        await Expect(without.First).ToContainTextAsync("Sam Rivera");

        // Done: the password is gone from the page, for good.
        await page.Locator("#host-secret-done").ClickAsync();
        await Expect(secret).ToBeHiddenAsync();
        await Expect(page.GetByLabel("Host name")).ToBeFocusedAsync();
        await AssertNotOnPageAsync(page, password);

        // Disable: the row says so, the account too, and focus stays on the (now) Enable button.
        await alex.GetByRole(AriaRole.Button, new() { Name = "Disable Alex Morgan" }).ClickAsync();
        await Expect(alex).ToHaveAttributeAsync("data-state", "disabled");
        await Expect(alex.Locator(".host-state")).ToHaveTextAsync("Disabled");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Enable Alex Morgan" })).ToBeFocusedAsync();
        await Expect(status).ToContainTextAsync("Alex Morgan disabled");
        Assert.True(accounts.Verify("Alex Morgan", password)?.Disabled);

        // A new visit lists it disabled, and nothing shows the password.
        await ConnectAsync(page);
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows.First).ToHaveAttributeAsync("data-state", "disabled");
        await Expect(rows.First.Locator(".host-state")).ToHaveTextAsync("Disabled");
        await AssertNotOnPageAsync(page, password);

        // One click from the schedule's list gives Sam an account and a password.
        await page.GetByRole(AriaRole.Button, new() { Name = "Create account for Sam Rivera" }).ClickAsync();
        await Expect(page.Locator("#host-secret-name")).ToHaveTextAsync("Sam Rivera");
        var sams = await page.Locator("#host-secret-value").InputValueAsync();
        Assert.NotNull(accounts.Verify("sam rivera", sams));
        await Expect(page.Locator("#hosts-without-account")).ToContainTextAsync("Every host in the schedule has an account.");

        // Delete asks first: dismissed, nothing happens; accepted, the account is gone and Alex is listed as without one.
        var dialogs = new List<string>();
        var accept = false;
        page.Dialog += async (_, dialog) =>
        {
            dialogs.Add(dialog.Message);
            if (accept)
            {
                await dialog.AcceptAsync();
            }
            else
            {
                await dialog.DismissAsync();
            }
        };
        var delete = page.GetByRole(AriaRole.Button, new() { Name = "Delete Alex Morgan" });
        await delete.ClickAsync();
        await Expect(rows).ToHaveCountAsync(2);
        Assert.NotNull(accounts.Find("Alex Morgan"));
        accept = true;
        await delete.ClickAsync();
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(without.First).ToContainTextAsync("Alex Morgan");
        Assert.Null(accounts.Find("Alex Morgan"));
        Assert.Equal(2, dialogs.Count);
        Assert.All(dialogs, d => Assert.StartsWith("Delete the account of Alex Morgan?", d, StringComparison.Ordinal));
        await Expect(secret).ToBeHiddenAsync(); // the next change took Sam's password off the page too
        await AssertNotOnPageAsync(page, sams);
        browser.AssertNoErrors();
    }

    [Fact]
    public async Task Hosts_ServerRefusal_IsShownWithItsReason()
    {
        await using var station = await TestStation.StartAsync(_folder.Media, Operators.Settings());
        station.App.Services.GetRequiredService<HostAccountStore>().Create("Alex Morgan", "alex-password-1");
        await using var browser = await _browser.NewPageAsync(station.BaseUri);
        var page = browser.Page;
        await ConnectAsync(page);
        await Expect(page.Locator("#host-rows tr[data-name]")).ToHaveCountAsync(1);

        await page.GetByLabel("Host name").FillAsync("alex morgan");
        await page.GetByLabel("Password (optional)").FillAsync("a-good-password");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create account", Exact = true }).ClickAsync();
        var status = page.Locator("#hosts-status");
        await Expect(status).ToHaveAttributeAsync("data-kind", "error");
        await Expect(status).ToContainTextAsync("An account named 'Alex Morgan' exists");
        await Expect(page.Locator("#host-secret")).ToBeHiddenAsync();

        await page.GetByLabel("Host name").FillAsync("Alex:Morgan");
        await page.GetByLabel("Password (optional)").FillAsync("");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create account", Exact = true }).ClickAsync();
        await Expect(status).ToContainTextAsync("may not contain ':'");
        browser.AssertNoErrors(400, 409);
    }

    /// <summary>Neither the page's text, its markup nor any field's value holds <paramref name="secret"/>.</summary>
    private static async Task AssertNotOnPageAsync(IPage page, string secret)
    {
        var found = await page.EvaluateAsync<bool>("""
            s => document.documentElement.outerHTML.includes(s) || document.body.innerText.includes(s)
              || [...document.querySelectorAll('input, textarea')].some(i => i.value.includes(s))
            """, secret);
        Assert.False(found, "the password is still on the page");
    }

    [GeneratedRegex("^[a-hjkmnp-z2-9]{4}(-[a-hjkmnp-z2-9]{4}){4}$")]
    private static partial Regex GeneratedPassword();
}
