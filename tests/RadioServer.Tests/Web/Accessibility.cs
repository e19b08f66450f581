using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace RadioServer.Tests.Web;

/// <summary>axe-core (Deque.AxeCore.Playwright ships it; nothing is downloaded) run on a page as it is now.</summary>
internal static class Accessibility
{
    /// <summary>Fails with each violation's rule, help and the elements that break it.</summary>
    public static async Task AssertNoViolationsAsync(IPage page)
    {
        var result = await page.RunAxe();
        var violations = result.Violations ?? [];
        Assert.True(violations.Length == 0, "axe-core found violations:\n" + string.Join("\n", violations.Select(v =>
            $"{v.Id} ({v.Impact}): {v.Help}\n    " + string.Join("\n    ", v.Nodes.Select(n => $"{n.Target}: {n.Html}")))));
    }
}
