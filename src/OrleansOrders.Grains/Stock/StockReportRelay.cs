using Microsoft.Extensions.Logging;
using OrleansOrders.Contracts;

namespace OrleansOrders.Grains.Stock;

/// <summary>One stock grain's latest offer and availability, to tell its node and its SKU's availability grain.</summary>
public sealed record StockReport(string NodeId, string Sku, StockOffer Offer, NodeAvailabilityReport Availability);

/// <summary>Where a <see cref="StockReportRelay"/> sends what it gathered: the grains, or a test's recorder.</summary>
public interface IStockReportSink
{
    Task ToNode(string nodeId, IReadOnlyList<SkuOfferChange> changes);

    Task ToSku(string sku, IReadOnlyList<NodeAvailabilityReport> reports);
}

/// <summary>The sink of a silo: the nodes' and the SKUs' availability grains.</summary>
public sealed class GrainStockReportSink(IGrainFactory grains) : IStockReportSink
{
    public Task ToNode(string nodeId, IReadOnlyList<SkuOfferChange> changes) => grains.Reference<IFulfilmentNodeGrain>(nodeId).OffersChanged(changes);

    public Task ToSku(string sku, IReadOnlyList<NodeAvailabilityReport> reports) => grains.Reference<ISkuAvailabilityGrain>(sku).ReportMany(reports);
}

/// <summary>
/// Carries the stock grains' reports of one silo to the nodes and the SKUs' availability grains,
/// gathered: every change of a stock grain replaces its pending report here, and at most once per
/// <see cref="GridOptions.StockReportInterval"/> the silo sends each node one call with the latest
/// offers of its SKUs and each SKU one call with its nodes' reports. At 2,000 orders/s over 24 nodes
/// that is a call per node per interval, not one per order (and for a SKU, one per interval it sold in).
/// The first change after a quiet interval goes at once, so an idle grid reports without delay.
/// Both views are eventually consistent already (a bid on a stale view can only lose the race at the
/// hold, which re-checks; a view that shows less is read again before a bid backorders on it), so an
/// interval of lag costs at most a lost race, never an oversell. Nodes are told before SKUs, as each
/// stock grain did itself: once network availability shows a change, the node's bids do too. A report
/// that could not be delivered goes again with the next send unless a newer one replaced it (up to
/// <see cref="MaxAttempts"/> sends; after that the next change of the stock grain reports again).
/// </summary>
public sealed class StockReportRelay(IStockReportSink sink, TimeSpan interval, ILogger<StockReportRelay> logger, TimeProvider? time = null) : IDisposable
{
    public const int MaxAttempts = 5;
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Lock _lock = new();
    private Dictionary<(string NodeId, string Sku), Pending> _pending = [];
    private bool _sending;
    private bool _disposed;
    /// <summary>When the last send started (null: none yet, so the first report goes at once).</summary>
    private long? _lastSendStarted;

    private sealed record Pending(StockReport Report, int Attempts);

    /// <summary>
    /// Takes the latest report of one stock grain; never blocks on a call. An <paramref name="urgent"/>
    /// report goes at once, on its own: a stock grain's first, and every change while its stock is low
    /// (<see cref="GridOptions.StockReportAtOnceBelow"/>), where a lag would change what orders decide.
    /// </summary>
    public void Report(StockReport report, bool urgent = false)
    {
        if (urgent)
        {
            lock (_lock)
            {
                if (_disposed)
                {
                    return;
                }
                // Anything older waiting for this stock grain is superseded by this report.
                if (_pending.TryGetValue((report.NodeId, report.Sku), out var waiting) && waiting.Report.Offer.Version <= report.Offer.Version)
                {
                    _pending.Remove((report.NodeId, report.Sku));
                }
            }
            _ = Task.Run(() => SendUrgentAsync(report));
            return;
        }
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            var key = (report.NodeId, report.Sku);
            // A grain moving between silos can leave an older report here: the newest version wins.
            if (!_pending.TryGetValue(key, out var known) || report.Offer.Version >= known.Report.Offer.Version)
            {
                _pending[key] = new Pending(report, 0);
            }
            if (_sending)
            {
                return;
            }
            _sending = true;
        }
        // Off the stock grain's turn: the sends run on the thread pool, one at a time.
        _ = Task.Run(SendLoopAsync);
    }

    private async Task SendUrgentAsync(StockReport report)
    {
        var undelivered = await SendAsync([new Pending(report, 0)]);
        foreach (var pending in undelivered)
        {
            Report(pending.Report); // goes again with the next gathered send
        }
    }

    private async Task SendLoopAsync()
    {
        try
        {
            await SendUntilIdleAsync();
        }
        catch (Exception ex)
        {
            // Not expected (each call's failure is caught where it is made): never leave the relay stuck as sending.
            logger.LogError(ex, "Stock report relay stopped; the next report starts it again");
            lock (_lock)
            {
                _sending = false;
            }
        }
    }

    private async Task SendUntilIdleAsync()
    {
        while (true)
        {
            if (_lastSendStarted is { } started && interval - _time.GetElapsedTime(started) is { } wait && wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, _time);
            }
            Dictionary<(string NodeId, string Sku), Pending> batch;
            lock (_lock)
            {
                if (_pending.Count == 0 || _disposed)
                {
                    _sending = false;
                    return;
                }
                batch = _pending;
                _pending = [];
            }
            _lastSendStarted = _time.GetTimestamp(); // read and written by the one send loop only
            var undelivered = await SendAsync(batch.Values);
            if (undelivered.Count > 0)
            {
                lock (_lock)
                {
                    foreach (var pending in undelivered)
                    {
                        _pending.TryAdd((pending.Report.NodeId, pending.Report.Sku), pending with { Attempts = pending.Attempts + 1 });
                    }
                }
            }
        }
    }

    /// <summary>Sends one batch (nodes first, then SKUs); answers the reports whose availability did not arrive and may go again.</summary>
    private async Task<List<Pending>> SendAsync(IReadOnlyCollection<Pending> batch)
    {
        await Task.WhenAll(batch.GroupBy(p => p.Report.NodeId, StringComparer.Ordinal).Select(async node =>
        {
            try
            {
                await sink.ToNode(node.Key, node.Select(p => new SkuOfferChange(p.Report.Sku, p.Report.Offer)).ToList());
            }
            catch (Exception ex)
            {
                // The node's view ages out (see GridOptions.BidOfferMaxAge) and its bids read the stock grains again.
                logger.LogWarning(ex, "Node {Node}: {Count} stock offers not told", node.Key, node.Count());
            }
        }));
        var undelivered = new List<Pending>();
        await Task.WhenAll(batch.GroupBy(p => p.Report.Sku, StringComparer.Ordinal).Select(async sku =>
        {
            try
            {
                await sink.ToSku(sku.Key, sku.Select(p => p.Report.Availability).ToList());
            }
            catch (Exception ex)
            {
                var again = sku.Where(p => p.Attempts + 1 < MaxAttempts).ToList();
                logger.LogWarning(ex, "SKU {Sku}: {Count} availability reports not delivered ({Again} go again)", sku.Key, sku.Count(), again.Count);
                lock (undelivered)
                {
                    undelivered.AddRange(again);
                }
            }
        }));
        return undelivered;
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            _pending.Clear();
        }
    }
}
