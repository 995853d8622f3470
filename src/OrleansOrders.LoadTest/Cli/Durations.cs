using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace OrleansOrders.LoadTest.Cli;

/// <summary>
/// Friendly durations on the command line: <c>15s</c>, <c>2m</c>, <c>1m30s</c>, <c>500ms</c>,
/// <c>1.5h</c>, a bare number of seconds (<c>10</c>), or a TimeSpan (<c>00:02:00</c>).
/// </summary>
public static partial class Durations
{
    [GeneratedRegex(@"^(?:(?<value>\d+(?:\.\d+)?)(?<unit>ms|s|m|h))+$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex WithUnits();

    public static bool TryParse(string? text, out TimeSpan duration, out string error)
    {
        duration = default;
        var s = (text ?? "").Trim();
        error = $"'{text}' is not a duration: use e.g. 15s, 2m, 1m30s, 500ms or 00:02:00.";
        if (s.Length == 0)
        {
            return false;
        }
        if (double.TryParse(s, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds))
        {
            return TryFromSeconds(seconds, out duration, ref error);
        }
        if (s.Contains(':'))
        {
            if (TimeSpan.TryParse(s, CultureInfo.InvariantCulture, out duration) && duration >= TimeSpan.Zero)
            {
                return true;
            }
            return false;
        }
        var match = WithUnits().Match(s);
        if (!match.Success)
        {
            return false;
        }
        double total = 0;
        var values = match.Groups["value"].Captures;
        var units = match.Groups["unit"].Captures;
        for (var i = 0; i < values.Count; i++)
        {
            var value = double.Parse(values[i].Value, CultureInfo.InvariantCulture);
            total += units[i].Value.ToLowerInvariant() switch
            {
                "ms" => value / 1000,
                "s" => value,
                "m" => value * 60,
                _ => value * 3600,
            };
        }
        return TryFromSeconds(total, out duration, ref error);
    }

    public static TimeSpan Parse(string text) =>
        TryParse(text, out var duration, out var error) ? duration : throw new FormatException(error);

    /// <summary>The shortest friendly form: 15s, 2m, 1m30s, 1.5s, 500ms.</summary>
    public static string Format(TimeSpan duration)
    {
        if (duration == TimeSpan.Zero)
        {
            return "0s";
        }
        if (duration.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            return duration < TimeSpan.FromSeconds(1)
                ? duration.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture) + "ms"
                : duration.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + "s";
        }
        var text = new StringBuilder();
        if ((int)duration.TotalHours > 0)
        {
            text.Append((int)duration.TotalHours).Append('h');
        }
        if (duration.Minutes > 0)
        {
            text.Append(duration.Minutes).Append('m');
        }
        if (duration.Seconds > 0)
        {
            text.Append(duration.Seconds).Append('s');
        }
        return text.ToString();
    }

    private static bool TryFromSeconds(double seconds, out TimeSpan duration, ref string error)
    {
        duration = default;
        if (!double.IsFinite(seconds) || seconds < 0 || seconds > TimeSpan.FromDays(7).TotalSeconds)
        {
            error = "a duration must be between 0s and 7 days.";
            return false;
        }
        duration = TimeSpan.FromSeconds(seconds);
        return true;
    }
}
