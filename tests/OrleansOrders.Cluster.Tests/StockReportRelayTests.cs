using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using OrleansOrders.Cluster.Tests.Support;
using OrleansOrders.Contracts;
using OrleansOrders.Grains.Stock;

namespace OrleansOrders.Cluster.Tests;

/// <summary>
/// The silo's relay of stock grains' reports: the first goes at once, later ones wait for the
/// interval and go gathered (one call per node and per SKU, the newest report of each stock grain),
/// nodes before SKUs, and an undelivered availability report goes again a bounded number of times.
/// Time is a fake clock: nothing here waits for the interval to pass.
/// </summary>
[Trait("Category", "fast")]
public sealed class StockReportRelayTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);

    private sealed class RecordingSink : IStockReportSink
    {
        public ConcurrentQueue<(string Kind, string Key, IReadOnlyList<string> Items)> Calls { get; } = new();

        /// <summary>SKUs whose availability calls fail, with how many calls were refused.</summary>
        public ConcurrentDictionary<string, int> FailingSkus { get; } = new();

        public Task ToNode(string nodeId, IReadOnlyList<SkuOfferChange> changes)
        {
            Calls.Enqueue(("node", nodeId, changes.Select(c => $"{c.Sku}@{c.Offer.Available}").Order().ToList()));
            return Task.CompletedTask;
        }

        public Task ToSku(string sku, IReadOnlyList<NodeAvailabilityReport> reports)
        {
            if (FailingSkus.ContainsKey(sku))
            {
                FailingSkus.AddOrUpdate(sku, 1, (_, n) => n + 1);
                return Task.FromException(new TimeoutException("the SKU's silo does not answer"));
            }
            Calls.Enqueue(("sku", sku, reports.Select(r => $"{r.NodeId}@{r.Available}").Order().ToList()));
            return Task.CompletedTask;
        }

        public List<(string Kind, string Key, IReadOnlyList<string> Items)> Of(string kind) => Calls.Where(c => c.Kind == kind).ToList();
    }

    private static StockReport Report(string node, string sku, int available, long version) =>
        new(node, sku, new StockOffer(available, null, []) { Version = version }, new NodeAvailabilityReport(node, available, version, 0));

    [Fact]
    public async Task The_first_report_goes_at_once_and_the_next_ones_go_gathered_after_the_interval()
    {
        var sink = new RecordingSink();
        var time = new TimerCountingClock();
        using var relay = new StockReportRelay(sink, Interval, NullLogger<StockReportRelay>.Instance, time);

        relay.Report(Report("n1", "s1", 5, version: 1));
        await Eventually.True(() => Task.FromResult(sink.Calls.Count == 2), "the first report, with no interval to wait");
        Assert.Equal([("node", "n1", (IReadOnlyList<string>)["s1@5"]), ("sku", "s1", ["n1@5"])], sink.Calls.Select(c => (c.Kind, c.Key, c.Items)).ToList(), CallComparer.Instance);

        // Within the interval: s2 changes twice (the newer wins), a second node changes s2 too, and s3 changes.
        relay.Report(Report("n1", "s2", 9, version: 1));
        relay.Report(Report("n1", "s2", 7, version: 2));
        relay.Report(Report("n1", "s3", 4, version: 1));
        relay.Report(Report("n2", "s2", 3, version: 1));
        // The clock has not moved: once the relay waits out its interval, nothing may go until it is advanced.
        await time.TimersMadeAtLeast(1, "the relay to wait out its interval");
        Assert.Equal(2, sink.Calls.Count);
        await AdvanceUntil(time, () => sink.Calls.Count == 6, "the gathered reports");

        var second = sink.Calls.Skip(2).ToList();
        Assert.Equal(["node", "node", "sku", "sku"], second.Select(c => c.Kind));
        Assert.Equal(["s2@7", "s3@4"], second.Single(c => c.Kind == "node" && c.Key == "n1").Items);
        Assert.Equal(["s2@3"], second.Single(c => c.Kind == "node" && c.Key == "n2").Items);
        Assert.Equal(["n1@7", "n2@3"], second.Single(c => c.Kind == "sku" && c.Key == "s2").Items);
        Assert.Equal(["n1@4"], second.Single(c => c.Kind == "sku" && c.Key == "s3").Items);
    }

    [Fact]
    public async Task An_urgent_report_goes_at_once_inside_the_interval_and_supersedes_what_waited_for_its_stock_grain()
    {
        var sink = new RecordingSink();
        var time = new FakeTimeProvider();
        using var relay = new StockReportRelay(sink, Interval, NullLogger<StockReportRelay>.Instance, time);
        relay.Report(Report("n1", "s0", 1, version: 1));
        await Eventually.True(() => Task.FromResult(sink.Calls.Count == 2), "the first report");

        relay.Report(Report("n1", "s1", 0, version: 1));    // gathered: waits for the interval
        relay.Report(Report("n1", "s1", 4, version: 2), urgent: true);
        relay.Report(Report("n1", "s2", 0, version: 1));    // gathered
        await Eventually.True(() => Task.FromResult(sink.Calls.Count == 4), "the urgent report, with the clock standing still");
        Assert.Equal(["s1@4"], sink.Of("node")[^1].Items);
        Assert.Equal(["n1@4"], sink.Of("sku")[^1].Items);

        await AdvanceUntil(time, () => sink.Calls.Count == 6, "the gathered send");
        // s1's older report was superseded: the gathered send carries s2 alone.
        Assert.Equal(["s2@0"], sink.Of("node")[^1].Items);
        Assert.Equal("s2", sink.Of("sku")[^1].Key);
    }

    [Fact]
    public async Task An_older_report_never_replaces_a_newer_one_waiting()
    {
        var sink = new RecordingSink();
        var time = new FakeTimeProvider();
        using var relay = new StockReportRelay(sink, Interval, NullLogger<StockReportRelay>.Instance, time);
        relay.Report(Report("n1", "s0", 1, version: 1));
        await Eventually.True(() => Task.FromResult(sink.Calls.Count == 2), "the first report");

        // A grain that moved to this silo reported version 8; the old activation's late report (version 3) arrives after it.
        relay.Report(Report("n1", "s1", 8, version: 8));
        relay.Report(Report("n1", "s1", 3, version: 3));
        await AdvanceUntil(time, () => sink.Calls.Count == 4, "the second send");
        Assert.Equal(["s1@8"], sink.Of("node")[^1].Items);
        Assert.Equal(["n1@8"], sink.Of("sku")[^1].Items);
    }

    [Fact]
    public async Task An_undelivered_availability_report_goes_again_a_bounded_number_of_times_and_a_new_change_reports_afresh()
    {
        var sink = new RecordingSink();
        sink.FailingSkus["down"] = 0;
        var time = new FakeTimeProvider();
        using var relay = new StockReportRelay(sink, Interval, NullLogger<StockReportRelay>.Instance, time);

        relay.Report(Report("n1", "down", 6, version: 1));
        await AdvanceUntil(time, () => sink.FailingSkus["down"] == StockReportRelay.MaxAttempts, "every attempt");
        time.Advance(Interval * 3);
        relay.Report(Report("n1", "other", 1, version: 1)); // a send after the retries ran out
        await AdvanceUntil(time, () => sink.Of("sku").Any(c => c.Key == "other"), "the next report");
        Assert.Equal(StockReportRelay.MaxAttempts, sink.FailingSkus["down"]);
        // Each retry told the node again too (the node keeps the newest version, so a repeat changes nothing).
        Assert.Equal(StockReportRelay.MaxAttempts, sink.Of("node").Count(c => c.Items.Contains("down@6")));

        sink.FailingSkus.TryRemove("down", out _);
        relay.Report(Report("n1", "down", 2, version: 2));
        await AdvanceUntil(time, () => sink.Of("sku").Any(c => c.Key == "down"), "the new change of the SKU that was down");
        Assert.Equal(["n1@2"], sink.Of("sku").Single(c => c.Key == "down").Items);
    }

    [Fact]
    public async Task Nothing_goes_after_the_relay_is_disposed()
    {
        var sink = new RecordingSink();
        var time = new FakeTimeProvider();
        var relay = new StockReportRelay(sink, Interval, NullLogger<StockReportRelay>.Instance, time);
        relay.Report(Report("n1", "s1", 5, version: 1));
        await Eventually.True(() => Task.FromResult(sink.Calls.Count == 2), "the first report");
        relay.Report(Report("n1", "s2", 5, version: 1));
        relay.Dispose();
        relay.Report(Report("n1", "s3", 5, version: 1));
        time.Advance(Interval * 2);
        // The loop, woken by the advance, finds nothing to send; a report after disposal is dropped.
        await Task.Yield();
        Assert.Equal(2, sink.Calls.Count);
    }

    /// <summary>Moves the fake clock an interval at a time until <paramref name="condition"/> holds (the send loop may be between reading the clock and waiting on it).</summary>
    private static Task AdvanceUntil(FakeTimeProvider time, Func<bool> condition, string what) =>
        Eventually.True(() =>
        {
            if (condition())
            {
                return Task.FromResult(true);
            }
            time.Advance(Interval);
            return Task.FromResult(condition());
        }, what);

    private sealed class CallComparer : IEqualityComparer<(string, string, IReadOnlyList<string>)>
    {
        public static readonly CallComparer Instance = new();

        public bool Equals((string, string, IReadOnlyList<string>) x, (string, string, IReadOnlyList<string>) y) =>
            x.Item1 == y.Item1 && x.Item2 == y.Item2 && x.Item3.SequenceEqual(y.Item3);

        public int GetHashCode((string, string, IReadOnlyList<string>) obj) => HashCode.Combine(obj.Item1, obj.Item2);
    }
}
