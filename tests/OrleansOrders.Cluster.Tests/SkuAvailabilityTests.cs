using OrleansOrders.Cluster.Tests.Support;
using OrleansOrders.Contracts;
using OrleansOrders.Grains.Stock;

namespace OrleansOrders.Cluster.Tests;

/// <summary>
/// Network availability (defect 6): a write that failed without saying whether it landed must not
/// leave the grain failing every later flush, and the orders waiting for stock must outlive the
/// activation that was told about them.
/// </summary>
[Collection(NodeClusterCollection.Name)]
[Trait("Category", "cluster")]
public sealed class SkuAvailabilityTests(NodeClusterFixture fixture)
{
    private readonly IGrainFactory _grains = fixture.Grains;

    private string Key(string sku) => $"availability/{_grains.GetGrain<ISkuAvailabilityGrain>(sku).GetGrainId()}";

    private SkuAvailabilityState? Stored(string sku) =>
        fixture.Store.Read(Key(sku)) is { } e ? fixture.Serializer.Deserialize<SkuAvailabilityState>(e.Data) : null;

    [Fact]
    public async Task After_an_ambiguous_write_later_reports_are_still_stored()
    {
        const string sku = "avail-etag";
        var grain = _grains.GetGrain<ISkuAvailabilityGrain>(sku);
        fixture.Faults.FailAfterKeys[Key(sku)] = 1; // the first flush lands but reports a failure
        await grain.Report("n1", 5, version: 1);
        await Eventually.True(() => Task.FromResult(!fixture.Faults.FailAfterKeys.ContainsKey(Key(sku))), "the ambiguous write");

        await grain.Report("n1", 7, version: 2);
        await grain.Report("n2", 3, version: 1);

        await Eventually.True(() => Task.FromResult(Stored(sku) is { } s && s.Nodes.GetValueOrDefault("n1")?.Available == 7 && s.Nodes.ContainsKey("n2")),
            "the later reports to be stored", TimeSpan.FromSeconds(10));
        Assert.True(fixture.Faults.ConflictsOf(Key(sku)) <= 1, "the grain must reload after the first refused write");
        Assert.Equal(10, (await grain.Get()).TotalAvailable);
    }

    [Fact]
    public async Task A_wait_whose_write_and_reload_failed_is_not_acknowledged_until_it_is_stored()
    {
        const string sku = "avail-down";
        var grain = _grains.GetGrain<ISkuAvailabilityGrain>(sku);
        await grain.Report("n1", 0, version: 1);
        fixture.Faults.DownKeys[Key(sku)] = true;
        await Assert.ThrowsAnyAsync<Exception>(() => grain.WaitForStock("down-o1"));
        // The failed write left the registration in memory: a retry must not answer from it.
        await Assert.ThrowsAnyAsync<Exception>(() => grain.WaitForStock("down-o1"));
        Assert.DoesNotContain("down-o1", Stored(sku)?.Waiting ?? []);

        fixture.Faults.DownKeys.TryRemove(Key(sku), out _);
        await grain.WaitForStock("down-o1");
        Assert.Contains("down-o1", Stored(sku)!.Waiting);
    }

    [Fact]
    public async Task A_wait_is_durable_when_it_is_acknowledged_and_survives_deactivation()
    {
        const string sku = "avail-wait";
        var grain = _grains.GetGrain<ISkuAvailabilityGrain>(sku);
        await grain.WaitForStock("w1");
        // Acknowledged means stored: a silo that dies right now must not take the wait with it.
        Assert.Equal(["w1"], Stored(sku)!.Waiting);

        // Its ETag goes stale (a flush that landed and reported a failure), then more orders wait and it deactivates.
        fixture.Faults.FailAfterKeys[Key(sku)] = 1;
        await grain.Report("n1", 0, version: 1);
        await Eventually.True(() => Task.FromResult(!fixture.Faults.FailAfterKeys.ContainsKey(Key(sku))), "the ambiguous write");
        await grain.WaitForStock("w2");
        await grain.WaitForStock("w3");
        await grain.StopWaiting("w1");
        await grain.StopWaiting("w1"); // a replay changes nothing
        await fixture.Cluster.DeactivateAsync(grain);

        Assert.Equal(["w2", "w3"], Stored(sku)!.Waiting);
        await grain.Report("n1", 0, version: 2); // a new activation, with the waiting list it was told about
        Assert.Equal(["w2", "w3"], Stored(sku)!.Waiting);
    }
}
