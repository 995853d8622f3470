using OrleansOrders.Contracts;
using OrleansOrders.LoadTest.Network;

namespace OrleansOrders.LoadTest.Scenarios;

/// <summary>
/// One node rejects 30% of the parcels released to it, and the run counts what that costs. Orders are
/// steady's (Zipf-popular SKUs, one line by default), but half the customers live near the flaky node
/// (the network's first distribution centre), so it is the natural winner of many orders and its
/// neighbours are the alternatives. After each answer the node's side acts (<see cref="ActAsync"/>):
/// every parcel of the order at the flaky node is rejected or not by a hash of the order's number in the
/// run and the shipment id (30% of them, by a hash stable across runs, so runs with node reliability on
/// and off reject alike),
/// and the order re-routes what was rejected. The run reports the parcels the node was given, the
/// rejections, the re-routes, the orders whose promise got later, and the final cost per order (the audit's).
/// </summary>
public sealed class FlakyNodeScenario : OrderScenario
{
    public const double RejectShare = 0.30;
    public const string Actor = "loadtest:flaky-node";

    public FlakyNodeScenario(SyntheticNetwork network, int seed, int linesPerOrder = 1)
        : base(network, seed, linesPerOrder)
    {
        var flaky = network.Nodes.First(n => n.Kind == NodeKind.DistributionCentre);
        FlakyNodeId = flaky.NodeId;
        FlakyLocation = flaky.Location;
    }

    public override string Name => Scenarios.FlakyNode;

    /// <summary>The node that rejects: the network's first distribution centre.</summary>
    public string FlakyNodeId { get; }

    public Location FlakyLocation { get; }

    /// <summary>What the node's side did over the run (thread-safe counters).</summary>
    public FlakyNodeOutcomes Outcomes { get; } = new();

    /// <summary>Half the customers within about 100 km of the flaky node (its local zone), the rest near a large metro.</summary>
    protected override Location ShipTo(Random random)
    {
        if (random.NextDouble() >= 0.5)
        {
            return base.ShipTo(random);
        }
        // About 0.9 degrees of latitude is 100 km; longitude shrinks with latitude, a nearness is all that is wanted.
        var lat = Math.Clamp(FlakyLocation.Latitude + (random.NextDouble() * 2 - 1) * 0.6, -89, 89);
        var lon = Math.Clamp(FlakyLocation.Longitude + (random.NextDouble() * 2 - 1) * 0.6, -179, 179);
        return new Location(Math.Round(lat, 4), Math.Round(lon, 4));
    }

    protected override string DrawSku(Random random, IReadOnlySet<string> alreadyOnOrder) => PopularSku(random);

    /// <summary>
    /// Whether the flaky node rejects this parcel: 30% of them, by a hash of the order's number in the run
    /// (the id past its run prefix) and the shipment id, stable across runs and processes.
    /// </summary>
    public static bool Rejects(string orderId, string shipmentId)
    {
        var hash = 2166136261u; // FNV-1a
        foreach (var c in orderId.AsSpan(orderId.LastIndexOf('-') + 1))
        {
            hash = unchecked((hash ^ c) * 16777619u);
        }
        foreach (var c in shipmentId)
        {
            hash = unchecked((hash ^ c) * 16777619u);
        }
        hash ^= hash >> 15; // the low digits of FNV over short keys are poorly mixed
        hash = unchecked(hash * 0x2c1b3c6du);
        hash ^= hash >> 12;
        return hash % 1000 < RejectShare * 1000;
    }

    /// <summary>
    /// The flaky node's side of an answered order: each of its live parcels is rejected or not
    /// (<see cref="Rejects"/>); the order re-routes what was rejected before it answers.
    /// </summary>
    public async Task ActAsync(IGrainFactory grains, OrderView order)
    {
        Outcomes.Answered();
        foreach (var parcel in order.Shipments.Where(s => s.NodeId == FlakyNodeId && s.Status != ShipmentStatus.Cancelled))
        {
            Outcomes.Parcel();
            if (!Rejects(order.OrderId, parcel.ShipmentId))
            {
                continue;
            }
            var result = await grains.Reference<IOrderGrain>(order.OrderId)
                .RejectShipment(parcel.ShipmentId, null, "cannot fulfil (load test: flaky node)", stockMissing: false, Actor);
            if (result.Outcome != ActionOutcome.Done || result.Order is not { } after)
            {
                Outcomes.RejectRefused();
                continue;
            }
            var known = order.Shipments.Select(s => s.ShipmentId).ToHashSet(StringComparer.Ordinal);
            var replacements = after.Shipments.Where(s => !known.Contains(s.ShipmentId) && s.Status != ShipmentStatus.Cancelled).ToList();
            Outcomes.Rejected(
                rerouted: replacements.Count > 0,
                later: replacements.Any(s => s.PromisedBy > parcel.PromisedBy),
                costDelta: replacements.Sum(s => s.Cost) - parcel.Cost);
            order = after;
        }
    }
}

/// <summary>What the flaky node's side did over a run, and how the re-routes went.</summary>
public sealed class FlakyNodeOutcomes
{
    private long _answered, _parcels, _rejected, _rerouted, _later, _refused, _costDeltaCents;

    public long Orders => Interlocked.Read(ref _answered);
    public long Parcels => Interlocked.Read(ref _parcels);
    public long RejectedParcels => Interlocked.Read(ref _rejected);
    public long Rerouted => Interlocked.Read(ref _rerouted);
    /// <summary>Re-routes that promised a later day than the rejected parcel had.</summary>
    public long LaterPromises => Interlocked.Read(ref _later);
    public long Refused => Interlocked.Read(ref _refused);
    /// <summary>What the re-routed parcels cost beyond the rejected ones, in total.</summary>
    public decimal RerouteCostDelta => Interlocked.Read(ref _costDeltaCents) / 100m;

    public void Answered() => Interlocked.Increment(ref _answered);

    public void Parcel() => Interlocked.Increment(ref _parcels);

    public void RejectRefused() => Interlocked.Increment(ref _refused);

    public void Rejected(bool rerouted, bool later, decimal costDelta)
    {
        Interlocked.Increment(ref _rejected);
        if (rerouted)
        {
            Interlocked.Increment(ref _rerouted);
        }
        if (later)
        {
            Interlocked.Increment(ref _later);
        }
        Interlocked.Add(ref _costDeltaCents, (long)Math.Round(costDelta * 100));
    }
}
