namespace OrleansOrders.Gateway.Tests.Support;

/// <summary>
/// A test that drives Debian's Chromium: skipped, with the reason, on a machine without
/// /usr/bin/chromium or /usr/bin/chromedriver, so <c>dotnet test OrleansOrders.sln</c> passes
/// anywhere the .NET SDK is. Where the browser is required (<see cref="RequireVariable"/>=1, which
/// .ci/run sets after installing it) the test is never skipped: a missing browser fails it.
/// </summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public const string ChromiumPath = "/usr/bin/chromium";
    public const string ChromeDriverPath = "/usr/bin/chromedriver";
    public const string RequireVariable = "ORLEANSORDERS_REQUIRE_BROWSER";

    public BrowserFactAttribute()
    {
        if (MissingReason() is { } missing && Environment.GetEnvironmentVariable(RequireVariable) != "1")
        {
            Skip = $"{missing} (apt-get install -y chromium chromium-driver; set {RequireVariable}=1 to make this a failure, as .ci/run does).";
        }
    }

    /// <summary>What is missing for the browser tests, or null when both the browser and its driver are there.</summary>
    public static string? MissingReason()
    {
        var missing = new[] { ChromiumPath, ChromeDriverPath }.Where(p => !File.Exists(p)).ToList();
        return missing.Count == 0 ? null : $"Debian's Chromium is not installed: {string.Join(" and ", missing)} missing";
    }
}
