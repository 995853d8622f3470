using System.Collections.Concurrent;
using OrleansOrders.Contracts;

namespace OrleansOrders.Grains.Routing;

/// <summary>
/// A silo's short-lived copy of network availability for its routers: a SKU read within
/// <see cref="GridOptions.AvailabilityCacheTtl"/> is answered from the copy, and concurrent reads of
/// one SKU share one call. At 2,000 orders/s over a Zipf catalogue, the popular SKUs' orders stop
/// paying a call each (the copy adds at most its TTL to the lag stock reports have already: see
/// <see cref="Stock.StockReportRelay"/>). Only a plentiful copy is kept: a SKU no node stocks, or one
/// with little in the whole network (below <see cref="GridOptions.StockReportAtOnceBelow"/>), is read
/// every time, so a lag never tells an order that no node stocks a SKU that just arrived, nor
/// backorders it on a network that just ran out. Availability only picks whom to ask: the nodes bid
/// from their own views (told every change at once where a node runs low) and the holds decide, so a
/// node whose last units went meanwhile costs a declined bid, never an oversell.
/// </summary>
public sealed class AvailabilityCache(Func<string, Task<NetworkAvailability>> read, TimeSpan ttl, int lowBelow, TimeProvider? time = null)
{
    /// <summary>Past this many SKUs, a miss first drops the copies that aged out (the cache holds the SKUs that sell, not the catalogue).</summary>
    public const int PruneAbove = 4_096;

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    private sealed record Entry(Task<NetworkAvailability> Read, long ReadAt);

    public static AvailabilityCache For(IGrainFactory grains, GridOptions options) =>
        new(sku => grains.Reference<ISkuAvailabilityGrain>(sku).Get(), options.AvailabilityCacheTtl, options.StockReportAtOnceBelow);

    public int Count => _entries.Count;

    public Task<NetworkAvailability> Get(string sku)
    {
        if (ttl <= TimeSpan.Zero)
        {
            return read(sku);
        }
        if (_entries.TryGetValue(sku, out var entry) && Usable(entry))
        {
            return entry.Read;
        }
        if (_entries.Count > PruneAbove)
        {
            Prune();
        }
        var fresh = new Entry(read(sku), _time.GetTimestamp());
        _entries[sku] = fresh;
        return fresh.Read;
    }

    /// <summary>A read in flight (it began moments ago), or one that succeeded within the TTL and found the SKU plentiful.</summary>
    private bool Usable(Entry entry) =>
        !entry.Read.IsCompleted
        || (entry.Read.IsCompletedSuccessfully && _time.GetElapsedTime(entry.ReadAt) < ttl && Plentiful(entry.Read.Result));

    private bool Plentiful(NetworkAvailability availability)
    {
        if (!availability.Known)
        {
            return false;
        }
        return availability.TotalAvailable >= lowBelow;
    }

    private void Prune()
    {
        foreach (var (sku, entry) in _entries)
        {
            if (entry.Read.IsCompleted && _time.GetElapsedTime(entry.ReadAt) >= ttl)
            {
                _entries.TryRemove(KeyValuePair.Create(sku, entry));
            }
        }
    }
}
