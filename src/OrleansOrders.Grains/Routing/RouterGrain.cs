using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansOrders.Contracts;
using OrleansOrders.Routing;

namespace OrleansOrders.Grains.Routing;

// A stateless worker so routing scales out with the cluster (a local activation per silo, more
// under load) instead of funnelling through one grain. Reentrant so one activation interleaves
// many orders across their awaits; safe because it keeps no state between calls: every
// allocation's working set lives in the local variables of its own call.
[StatelessWorker, Reentrant]
public sealed class RouterGrain(
    IOptions<GridOptions> options,
    ILogger<RouterGrain> logger) : Grain, IRouterGrain
{
    private readonly GridOptions _options = options.Value;

    async Task<RoutingResult> IRouterGrain.Allocate(AllocationRequest request)
    {
        var started = GridMetrics.Now();
        var result = await AllocateCore(request);
        var outcome = result.UnknownSkus.Count > 0 ? "unknown_sku"
            : result.Backordered.Count == 0 ? "allocated"
            : result.Shipments.Count > 0 ? "partially_allocated" : "backordered";
        GridMetrics.AllocationFinished(System.Diagnostics.Stopwatch.GetElapsedTime(started), result.Rounds, outcome);
        return result;
    }

    private async Task<RoutingResult> AllocateCore(AllocationRequest request)
    {
        var wanted = AllocationSolver.Consolidate(request.Lines.Select(l => new DemandLine(l.Sku, l.Quantity)));

        var availability = await Task.WhenAll(wanted.Select(w => GrainFactory.GetGrain<ISkuAvailabilityGrain>(w.Sku).Get()));
        var unknown = availability.Where(a => !a.Known).Select(a => a.Sku).ToList();
        if (unknown.Count > 0)
        {
            return new RoutingResult([], [], 0, unknown, []);
        }

        var held = new Dictionary<(string Node, string Sku), int>();   // what this order holds, by stock grain
        var parcels = new Dictionary<string, ShipmentAllocation>(StringComparer.Ordinal);
        var claimed = new HashSet<string>(StringComparer.Ordinal);    // nodes whose capacity we hold
        var excluded = new HashSet<string>(request.ExcludedNodes ?? [], StringComparer.Ordinal); // full, paused, lost-claim or rejecting nodes
        var remaining = wanted.ToList();
        IReadOnlyList<NodeBid> lastBids = [];
        var rounds = 0;

        while (remaining.Count > 0 && rounds < _options.MaxRoutingRounds)
        {
            rounds++;
            // A pickup order is fulfilled by the customer's store and no other.
            var candidates = request.OnlyNode is { } only
                ? (excluded.Contains(only) ? [] : [only])
                : Candidates(availability, remaining, excluded, rounds);
            if (candidates.Count == 0)
            {
                break;
            }

            var bidRequest = new BidRequest(request.OrderId, request.ShipTo, remaining.Select(r => new OrderLine(r.Sku, r.Quantity)).ToList(), request.OrderedAt);
            lastBids = await CollectBids(candidates, bidRequest);
            foreach (var declined in lastBids.Where(b => !b.Accepts))
            {
                excluded.Add(declined.NodeId);
            }
            var offers = lastBids.Where(b => b.Accepts).Select(ToOffer).ToList();
            var plan = AllocationSolver.Solve(remaining, offers, new SolverOptions
            {
                MaxShipments = Math.Max(1, _options.MaxShipmentsPerOrder - parcels.Count),
            });
            if (plan.Shipments.Count == 0)
            {
                break;
            }

            var outcomes = await Task.WhenAll(plan.Shipments.Select(s => TryTakeShipment(request, s, held, claimed)));
            var lostRace = false;
            var stillWanted = plan.Unallocated.ToDictionary(u => u.Sku, u => u.Quantity, StringComparer.Ordinal);
            foreach (var (shipment, granted, failed, claimRefused) in outcomes)
            {
                if (claimRefused)
                {
                    excluded.Add(shipment.NodeId);
                }
                foreach (var line in failed)
                {
                    lostRace = true;
                    stillWanted[line.Sku] = stillWanted.GetValueOrDefault(line.Sku) + line.Quantity;
                }
                if (granted.Count > 0)
                {
                    MergeParcel(parcels, shipment, granted, lastBids.First(b => b.NodeId == shipment.NodeId));
                }
            }
            remaining = stillWanted.Where(kv => kv.Value > 0).Select(kv => new DemandLine(kv.Key, kv.Value)).ToList();

            // Bids already said nobody has more than this: another round can only help after a lost race.
            if (!lostRace)
            {
                break;
            }
        }

        return new RoutingResult(
            parcels.Values.OrderBy(p => p.NodeId, StringComparer.Ordinal).ToList(),
            remaining.Select(r => new OrderLine(r.Sku, r.Quantity)).ToList(),
            rounds, [], lastBids);
    }

    /// <summary>
    /// Nodes worth asking: in the first round those that report stock of a wanted SKU, best
    /// coverage first; later rounds also ask nodes that reported none, since the report may be stale.
    /// </summary>
    private List<string> Candidates(NetworkAvailability[] availability, List<DemandLine> remaining, HashSet<string> excluded, int round)
    {
        var wantedSkus = remaining.ToDictionary(r => r.Sku, r => r.Quantity, StringComparer.Ordinal);
        return availability
            .Where(a => wantedSkus.ContainsKey(a.Sku))
            .SelectMany(a => a.Nodes.Select(n => (n.NodeId, Covered: Math.Min(n.Available, wantedSkus[a.Sku]))))
            .Where(n => !excluded.Contains(n.NodeId) && (n.Covered > 0 || round > 1))
            .GroupBy(n => n.NodeId, StringComparer.Ordinal)
            .Select(g => (NodeId: g.Key, Covered: g.Sum(n => n.Covered)))
            .OrderByDescending(n => n.Covered).ThenBy(n => n.NodeId, StringComparer.Ordinal)
            .Take(_options.MaxBidCandidates)
            .Select(n => n.NodeId)
            .ToList();
    }

    /// <summary>Asks every candidate at once; a node that misses the deadline or fails is skipped, not waited for.</summary>
    private async Task<IReadOnlyList<NodeBid>> CollectBids(List<string> candidates, BidRequest request)
    {
        var bids = await Task.WhenAll(candidates.Select(async nodeId =>
        {
            try
            {
                var bid = await GrainFactory.GetGrain<IFulfilmentNodeGrain>(nodeId).Bid(request).WaitAsync(_options.BidDeadline);
                GridMetrics.BidAnswered(nodeId, bid.Accepts ? "accepted" : "declined");
                return bid;
            }
            catch (TimeoutException)
            {
                logger.LogWarning("Order {Order}: node {Node} missed the bid deadline of {Deadline}", request.OrderId, nodeId, _options.BidDeadline);
                GridMetrics.BidAnswered(nodeId, "missed_deadline");
                return NodeBid.Decline(nodeId, "missed the bid deadline");
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Order {Order}: node {Node} failed to bid", request.OrderId, nodeId);
                GridMetrics.BidAnswered(nodeId, "failed");
                return NodeBid.Decline(nodeId, "bid failed: " + ex.GetType().Name);
            }
        }));
        return bids;
    }

    private static NodeOffer ToOffer(NodeBid bid) => new(
        bid.NodeId,
        bid.Offered.ToDictionary(l => l.Sku, l => l.Quantity, StringComparer.Ordinal),
        new ShippingQuote(bid.ShipmentCost, bid.UnitCost, 0, 0),
        bid.PromisedBy);

    /// <summary>
    /// Claims the node's capacity for the order, then holds each line at its stock grain. Holds set
    /// the reservation's total at that grain, so a later round adding to a node asks for the sum.
    /// </summary>
    private async Task<(PlannedShipment Shipment, List<OrderLine> Granted, List<OrderLine> Failed, bool ClaimRefused)> TryTakeShipment(
        AllocationRequest request, PlannedShipment shipment, Dictionary<(string, string), int> held, HashSet<string> claimed)
    {
        var node = GrainFactory.GetGrain<IFulfilmentNodeGrain>(shipment.NodeId);
        var lines = shipment.Lines.Select(l => new OrderLine(l.Sku, l.Quantity)).ToList();
        if (!claimed.Contains(shipment.NodeId))
        {
            bool ok;
            try
            {
                ok = await node.ClaimCapacity(request.OrderId);
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Order {Order}: capacity claim at {Node} failed", request.OrderId, shipment.NodeId);
                ok = false;
            }
            if (!ok)
            {
                return (shipment, [], lines, true);
            }
            claimed.Add(shipment.NodeId);
        }

        var results = await Task.WhenAll(lines.Select(async line =>
        {
            var key = (shipment.NodeId, line.Sku);
            var total = held.GetValueOrDefault(key) + line.Quantity;
            try
            {
                var result = await GrainFactory.GetGrain<IStockGrain>(Identifiers.StockKey(shipment.NodeId, line.Sku))
                    .Hold(request.ReservationId ?? request.OrderId, total, request.HoldFor);
                return (Line: line, Granted: result.Outcome == HoldOutcome.Granted, Total: total);
            }
            catch (Exception ex)
            {
                // Unknown outcome: a hold we do not count expires on its own.
                logger.LogWarning(ex, "Order {Order}: hold at {Node}/{Sku} failed", request.OrderId, shipment.NodeId, line.Sku);
                return (Line: line, Granted: false, Total: total);
            }
        }));

        var granted = new List<OrderLine>();
        var failed = new List<OrderLine>();
        foreach (var (line, ok, total) in results)
        {
            if (ok)
            {
                held[(shipment.NodeId, line.Sku)] = total;
                granted.Add(line);
            }
            else
            {
                failed.Add(line);
            }
        }
        if (granted.Count == 0 && !held.Keys.Any(k => k.Item1 == shipment.NodeId))
        {
            // Nothing to ship from this node after all: give its capacity back.
            claimed.Remove(shipment.NodeId);
            await node.ReleaseCapacity(request.OrderId);
        }
        return (shipment, granted, failed, false);
    }

    /// <summary>Adds granted lines to the node's parcel; a parcel's cost is the node's quote for all its units.</summary>
    private static void MergeParcel(Dictionary<string, ShipmentAllocation> parcels, PlannedShipment shipment, List<OrderLine> granted, NodeBid bid)
    {
        var lines = parcels.TryGetValue(shipment.NodeId, out var existing) ? existing.Lines.Concat(granted) : granted;
        var merged = lines
            .GroupBy(l => l.Sku, StringComparer.Ordinal)
            .Select(g => new OrderLine(g.Key, g.Sum(l => l.Quantity)))
            .ToList();
        var cost = bid.ShipmentCost + bid.UnitCost * merged.Sum(l => l.Quantity);
        parcels[shipment.NodeId] = new ShipmentAllocation(shipment.NodeId, merged, cost, existing?.PromisedBy ?? shipment.PromisedBy);
    }
}
