using System.Net;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;
using OrleansOrders.Contracts;
using OrleansOrders.Gateway.Tests.Support;
using Keys = OrleansOrders.Gateway.Tests.Support.Keys;
using Xunit.Abstractions;

namespace OrleansOrders.Gateway.Tests;

/// <summary>
/// The operator page in a real browser: Debian's Chromium, headless, driven by its ChromeDriver
/// (never a downloaded browser). Places an order through the gateway, signs in with the operator
/// key, finds the order and its routing explanation on the page, pauses and resumes a node from
/// it, and saves a screenshot to artifacts/screenshots/operator-page.png.
/// </summary>
[Collection(GridCollection.Name)]
[Trait("Category", "browser")]
public sealed class OperatorPageBrowserTests(GridFixture grid, ITestOutputHelper output)
{
    public const string ChromiumPath = BrowserFactAttribute.ChromiumPath;
    public const string ChromeDriverPath = BrowserFactAttribute.ChromeDriverPath;

    [BrowserFact]
    public async Task An_operator_signs_in_sees_an_order_with_its_routing_explained_and_pauses_and_resumes_a_node()
    {
        // Reached without the browser only when it is required (ORLEANSORDERS_REQUIRE_BROWSER=1): then it fails.
        Assert.True(BrowserFactAttribute.MissingReason() is null,
            BrowserFactAttribute.MissingReason() + ": .ci/run installs them (apt-get install -y chromium chromium-driver).");
        var orderId = "browser-" + Guid.NewGuid().ToString("N")[..8];
        using var storefront = grid.Gateway.Client(Keys.Storefront);
        var placed = await storefront.PostAsync("/orders", HttpAssert.Json(HttpAssert.OrderJson(orderId)));
        Assert.Equal(HttpStatusCode.Created, placed.StatusCode);

        var profile = Directory.CreateTempSubdirectory("oo-chromium-");
        try
        {
            using var driver = StartChromium(profile.FullName);
            var wait = new WebDriverWait(driver, TimeSpan.FromSeconds(30));
            wait.IgnoreExceptionTypes(typeof(StaleElementReferenceException), typeof(NoSuchElementException));
            var baseUrl = grid.Gateway.BaseAddress.ToString().TrimEnd('/');

            // Unsigned, the page sends the browser to sign in; a storefront key is not enough.
            driver.Navigate().GoToUrl(baseUrl + "/ops");
            wait.Until(d => d.Url.Contains("/ops/login", StringComparison.Ordinal));
            SignIn(driver, Keys.Storefront);
            wait.Until(d => d.Url.Contains("error=1", StringComparison.Ordinal));
            Assert.True(driver.FindElement(By.Id("login-error")).Displayed);

            driver.Navigate().GoToUrl(baseUrl + "/ops");
            wait.Until(d => d.Url.Contains("/ops/login", StringComparison.Ordinal));
            SignIn(driver, Keys.Operator);
            wait.Until(d => d.Url.EndsWith("/ops", StringComparison.Ordinal) && d.FindElement(By.TagName("body")).GetAttribute("data-loaded") == "true");

            // Nodes and inventory are there.
            wait.Until(d => d.FindElements(By.CssSelector("#nodes tr[data-node='dc-newark']")).Count == 1);
            wait.Until(d => d.FindElements(By.CssSelector("#inventory tr[data-sku='SKU-0001']")).Count == 1);

            // The order, found by id, with its routing decision explained.
            driver.FindElement(By.Id("order-id")).SendKeys(orderId);
            driver.FindElement(By.CssSelector("#order-lookup button")).Click();
            // The page re-renders every few seconds: read what it shows in one go, again if it went stale.
            var shown = wait.Until(d => d.FindElements(By.CssSelector($"article[data-order='{orderId}']")).FirstOrDefault() is { } article
                ? new OrderOnPage(
                    article.FindElement(By.CssSelector(".decision")).Text,
                    article.FindElement(By.CssSelector(".reasons")).Text,
                    article.FindElements(By.CssSelector("table.bids tr.chosen")).Select(r => r.GetAttribute("data-node")).ToList(),
                    article.FindElements(By.CssSelector("table.bids tbody tr")).Count)
                : null);
            Assert.Contains("dc-newark won", shown.Decision, StringComparison.Ordinal);
            Assert.Contains("cheapest", shown.Decision, StringComparison.Ordinal);
            Assert.Equal(["dc-newark"], shown.ChosenNodes);
            // Every bid the router asked is on the page (one when the fast path settled the order on
            // the nearest node's bid, more otherwise), as the operator API records them.
            using (var operatorApi = grid.Gateway.Client(Keys.Operator))
            {
                var recorded = (await HttpAssert.Body(await operatorApi.GetAsync($"/ops/api/orders/{orderId}"))).GetProperty("bids").GetArrayLength();
                Assert.True(recorded >= 1 && shown.BidRows == recorded, $"the page shows {shown.BidRows} bids of the {recorded} the order recorded");
            }
            Assert.Contains("Plan: 1 parcel", shown.Reasons, StringComparison.Ordinal);

            // Pause a node from the page, then resume it; the grid agrees each time.
            using var operatorHttp = grid.Gateway.Client(Keys.Operator);
            Click(wait, "#nodes button[data-node='store-denver'][data-action='pause']");
            wait.Until(d => d.FindElement(By.CssSelector("#nodes tr[data-node='store-denver'] td[data-field='status']")).Text == "Paused");
            Assert.Equal(NodeStatus.Paused, (await grid.Silo.Grains.GetGrain<IFulfilmentNodeGrain>("store-denver").Get())!.Profile.Status);
            Click(wait, "#nodes button[data-node='store-denver'][data-action='resume']");
            wait.Until(d => d.FindElement(By.CssSelector("#nodes tr[data-node='store-denver'] td[data-field='status']")).Text == "Open");
            Assert.Equal(NodeStatus.Open, (await grid.Silo.Grains.GetGrain<IFulfilmentNodeGrain>("store-denver").Get())!.Profile.Status);

            // Nodes, then the order and its explanation, in the picture.
            ((IJavaScriptExecutor)driver).ExecuteScript("window.scrollTo(0, 0);");
            var screenshot = Path.Combine(ArtifactsDirectory(), "operator-page.png");
            driver.GetScreenshot().SaveAsFile(screenshot);
            Assert.True(new FileInfo(screenshot).Length > 10_000, "the screenshot should show the page");
            output.WriteLine("Screenshot: " + screenshot);
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }

    private sealed record OrderOnPage(string Decision, string Reasons, List<string?> ChosenNodes, int BidRows);

    private static void SignIn(IWebDriver driver, string key)
    {
        var field = driver.FindElement(By.Id("key"));
        field.Clear();
        field.SendKeys(key);
        driver.FindElement(By.Id("sign-in")).Click();
    }

    private static void Click(WebDriverWait wait, string css)
    {
        // The page re-renders the table every few seconds: find the button afresh and retry a stale one.
        wait.Until(d =>
        {
            d.FindElement(By.CssSelector(css)).Click();
            return true;
        });
    }

    private static ChromeDriver StartChromium(string profileDirectory)
    {
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(ChromeDriverPath)!, Path.GetFileName(ChromeDriverPath));
        service.HideCommandPromptWindow = true;
        service.SuppressInitialDiagnosticInformation = true;
        var options = new ChromeOptions { BinaryLocation = ChromiumPath };
        options.AddArguments(
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage", "--window-size=1440,2400", "--user-data-dir=" + profileDirectory);
        return new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
    }

    /// <summary>artifacts/screenshots at the repository root (CI keeps artifacts/), created if needed.</summary>
    public static string ArtifactsDirectory()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "OrleansOrders.sln")))
        {
            directory = directory.Parent;
        }
        var path = Path.Combine(directory?.FullName ?? AppContext.BaseDirectory, "artifacts", "screenshots");
        Directory.CreateDirectory(path);
        return path;
    }
}
