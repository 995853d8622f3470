using System.Globalization;
using OrleansOrders.LoadTest.Load;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace OrleansOrders.LoadTest.Cli;

/// <summary>
/// Shows a running load: on a terminal a Spectre.Console live table redrawn twice a second; on
/// redirected output (CI, pipes, tests) one plain line per second (every 5 s for runs over a minute).
/// </summary>
public static class LiveProgress
{
    public static async Task<T> TrackAsync<T>(Terminal terminal, string title, Task<T> work, Func<ProgressSample?> sample, TimeSpan? planned)
    {
        if (terminal.Interactive)
        {
            await terminal.Console.Live(Render(title, null, planned)).AutoClear(false).StartAsync(async context =>
            {
                while (!work.IsCompleted)
                {
                    await Task.WhenAny(work, Task.Delay(500));
                    if (sample() is { } s)
                    {
                        context.UpdateTarget(Render(title, s, planned));
                    }
                }
            });
        }
        else
        {
            var every = planned is { } p && p > TimeSpan.FromMinutes(1) ? TimeSpan.FromSeconds(5) : TimeSpan.FromSeconds(1);
            while (!work.IsCompleted)
            {
                await Task.WhenAny(work, Task.Delay(every));
                if (!work.IsCompleted && sample() is { } s)
                {
                    terminal.Line(Plain(s, planned));
                }
            }
        }
        return await work;
    }

    public static string Plain(ProgressSample s, TimeSpan? planned) =>
        string.Create(CultureInfo.InvariantCulture,
            $"[{s.Elapsed.TotalSeconds,5:0.0}s{(planned is { } p ? $"/{p.TotalSeconds:0}s" : "")}] {s.Phase,-10} " +
            $"{s.OrdersPerSecond,8:0} orders/s  p99 {s.P99Ms,8:0.00} ms  errors {s.Errors}  completed {s.Completed}  in flight {s.InFlight}");

    private static IRenderable Render(string title, ProgressSample? s, TimeSpan? planned)
    {
        var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape(title));
        foreach (var column in new[] { "phase", "elapsed", "orders/s", "p99 ms", "errors", "completed", "in flight" })
        {
            table.AddColumn(new TableColumn(column).RightAligned());
        }
        if (s is null)
        {
            table.AddRow("starting", "0s", "-", "-", "0", "0", "0");
            return table;
        }
        var elapsed = $"{s.Elapsed.TotalSeconds:0.0}s" + (planned is { } p ? $" / {p.TotalSeconds:0}s" : "");
        table.AddRow(
            s.Phase,
            elapsed,
            s.OrdersPerSecond.ToString("N0", CultureInfo.InvariantCulture),
            s.P99Ms.ToString("0.00", CultureInfo.InvariantCulture),
            s.Errors == 0 ? "0" : $"[red]{s.Errors}[/]",
            s.Completed.ToString("N0", CultureInfo.InvariantCulture),
            s.InFlight.ToString("N0", CultureInfo.InvariantCulture));
        return table;
    }
}
