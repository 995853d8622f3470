using Microsoft.Extensions.Time.Testing;
using OrleansOrders.Contracts;
using OrleansOrders.Grains.Routing;

namespace OrleansOrders.Cluster.Tests;

/// <summary>
/// The routers' copy of network availability: a plentiful SKU is read once per TTL and concurrent
/// reads share one call; a SKU no node stocks, one with a node low on stock, and a failed read are
/// read again every time. Time is a fake clock.
/// </summary>
[Trait("Category", "fast")]
public sealed class AvailabilityCacheTests
{
    private static readonly TimeSpan Ttl = TimeSpan.FromMilliseconds(50);
    private const int Low = 20;

    private sealed class Reads
    {
        public Dictionary<string, NetworkAvailability> Answers { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, int> Count { get; } = new(StringComparer.Ordinal);

        public TaskCompletionSource<NetworkAvailability>? Hanging { get; set; }

        public Task<NetworkAvailability> Read(string sku)
        {
            Count[sku] = Count.GetValueOrDefault(sku) + 1;
            if (Hanging is { } hanging)
            {
                return hanging.Task;
            }
            return Answers.TryGetValue(sku, out var answer) ? Task.FromResult(answer) : Task.FromException<NetworkAvailability>(new TimeoutException("no answer"));
        }
    }

    private static NetworkAvailability Stocked(string sku, params int[] perNode) =>
        new(sku, true, perNode.Sum(), perNode.Select((units, i) => new NodeAvailability($"n{i}", units, DateTimeOffset.UnixEpoch)).ToList());

    [Fact]
    public async Task A_plentiful_sku_is_read_once_per_ttl()
    {
        var reads = new Reads();
        reads.Answers["hot"] = Stocked("hot", 500, 0, 80);
        var time = new FakeTimeProvider();
        var cache = new AvailabilityCache(reads.Read, Ttl, Low, time);

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(580, (await cache.Get("hot")).TotalAvailable);
        }
        Assert.Equal(1, reads.Count["hot"]);

        time.Advance(Ttl);
        reads.Answers["hot"] = Stocked("hot", 400, 0, 80);
        Assert.Equal(480, (await cache.Get("hot")).TotalAvailable);
        Assert.Equal(2, reads.Count["hot"]);
    }

    [Fact]
    public async Task A_sku_with_little_in_the_network_is_read_every_time()
    {
        var reads = new Reads();
        reads.Answers["low"] = Stocked("low", 10, 5, 0);
        var cache = new AvailabilityCache(reads.Read, Ttl, Low, new FakeTimeProvider());
        await cache.Get("low");
        await cache.Get("low");
        Assert.Equal(2, reads.Count["low"]);
    }

    [Fact]
    public async Task A_sku_no_node_stocks_and_a_failed_read_are_read_again()
    {
        var reads = new Reads();
        reads.Answers["new"] = new NetworkAvailability("new", false, 0, []);
        var cache = new AvailabilityCache(reads.Read, Ttl, Low, new FakeTimeProvider());
        Assert.False((await cache.Get("new")).Known);
        reads.Answers["new"] = Stocked("new", 100);
        Assert.True((await cache.Get("new")).Known); // stock that just arrived is seen at once

        await Assert.ThrowsAsync<TimeoutException>(() => cache.Get("down"));
        reads.Answers["down"] = Stocked("down", 100);
        Assert.Equal(100, (await cache.Get("down")).TotalAvailable);
        Assert.Equal(2, reads.Count["down"]);
    }

    [Fact]
    public async Task Concurrent_reads_of_one_sku_share_one_call()
    {
        var reads = new Reads { Hanging = new TaskCompletionSource<NetworkAvailability>(TaskCreationOptions.RunContinuationsAsynchronously) };
        var cache = new AvailabilityCache(reads.Read, Ttl, Low, new FakeTimeProvider());
        var waiting = Enumerable.Range(0, 5).Select(_ => cache.Get("busy")).ToList();
        Assert.Equal(1, reads.Count["busy"]);
        reads.Hanging.SetResult(Stocked("busy", 3)); // low, so not kept once it answered
        Assert.All(await Task.WhenAll(waiting), a => Assert.Equal(3, a.TotalAvailable));
        reads.Hanging = null;
        reads.Answers["busy"] = Stocked("busy", 3);
        await cache.Get("busy");
        Assert.Equal(2, reads.Count["busy"]);
    }

    [Fact]
    public async Task A_zero_ttl_reads_every_time()
    {
        var reads = new Reads();
        reads.Answers["hot"] = Stocked("hot", 500);
        var cache = new AvailabilityCache(reads.Read, TimeSpan.Zero, Low, new FakeTimeProvider());
        await cache.Get("hot");
        await cache.Get("hot");
        Assert.Equal(2, reads.Count["hot"]);
    }

    [Fact]
    public async Task Past_the_prune_size_copies_that_aged_out_are_dropped()
    {
        var reads = new Reads();
        var time = new FakeTimeProvider();
        var cache = new AvailabilityCache(reads.Read, Ttl, Low, time);
        for (var i = 0; i <= AvailabilityCache.PruneAbove; i++)
        {
            reads.Answers[$"s{i}"] = Stocked($"s{i}", 100);
            await cache.Get($"s{i}");
        }
        Assert.Equal(AvailabilityCache.PruneAbove + 1, cache.Count);
        time.Advance(Ttl);
        reads.Answers["next"] = Stocked("next", 100);
        await cache.Get("next");
        Assert.Equal(1, cache.Count);
    }
}
