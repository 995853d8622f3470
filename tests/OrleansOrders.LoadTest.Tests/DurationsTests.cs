using OrleansOrders.LoadTest.Cli;

namespace OrleansOrders.LoadTest.Tests;

[Trait("Category", "fast")]
public class DurationsTests
{
    [Theory]
    [InlineData("15s", 15_000)]
    [InlineData("2m", 120_000)]
    [InlineData("1m30s", 90_000)]
    [InlineData("500ms", 500)]
    [InlineData("1.5s", 1_500)]
    [InlineData("1h", 3_600_000)]
    [InlineData("10", 10_000)]
    [InlineData("00:00:20", 20_000)]
    [InlineData("0", 0)]
    [InlineData(" 3S ", 3_000)]
    public void Parses_friendly_durations(string text, int milliseconds)
    {
        Assert.True(Durations.TryParse(text, out var duration, out _), text);
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), duration);
    }

    [Theory]
    [InlineData("")]
    [InlineData("5x")]
    [InlineData("s")]
    [InlineData("-3s")]
    [InlineData("1.2.3s")]
    [InlineData("fast")]
    [InlineData("99999999h")]
    public void Refuses_what_is_not_a_duration(string text)
    {
        Assert.False(Durations.TryParse(text, out _, out var error));
        Assert.False(string.IsNullOrWhiteSpace(error));
    }

    [Theory]
    [InlineData(15_000, "15s")]
    [InlineData(120_000, "2m")]
    [InlineData(90_000, "1m30s")]
    [InlineData(500, "500ms")]
    [InlineData(2_500, "2.5s")]
    [InlineData(0, "0s")]
    public void Formats_back_to_the_friendly_form(int milliseconds, string text)
    {
        Assert.Equal(text, Durations.Format(TimeSpan.FromMilliseconds(milliseconds)));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), Durations.Parse(text));
    }
}
