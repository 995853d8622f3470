using Microsoft.Extensions.Logging;
using OrleansOrders.Contracts;
using OrleansOrders.Routing;

namespace OrleansOrders.Grains.Routing;

/// <summary>
/// What one allocation has taken so far: holds per stock grain (under the request's reservation id),
/// node capacity claimed, and the parcels they make up. Lives for one router call only.
/// </summary>
internal sealed class Takings(AllocationRequest request, IGrainFactory grains, ILogger logger)
{
    private readonly Dictionary<(string Node, string Sku), int> _held = [];
    /// <summary>Nodes this allocation claimed capacity at, and the day claimed (a release names it).</summary>
    private readonly Dictionary<string, DateOnly> _claimed = new(StringComparer.Ordinal);

    public Dictionary<string, ShipmentAllocation> Parcels { get; } = new(StringComparer.Ordinal);

    private string ReservationId => request.ReservationId ?? request.OrderId;

    /// <summary>Tags this allocation's holds, so giving back drops only what this attempt held (never a later attempt's hold).</summary>
    private readonly string _attempt = Guid.NewGuid().ToString("N");

    /// <summary>
    /// Claims the node's capacity on the parcel's dispatch day (once per node and allocation), under the
    /// reservation id: each allocation of an order is a parcel of its own at a node, so it holds a claim of
    /// its own there, and a later round of this allocation (same id) moves that claim rather than adding one.
    /// </summary>
    public async Task<bool> ClaimCapacity(PlannedShipment shipment)
    {
        if (_claimed.ContainsKey(shipment.NodeId))
        {
            return true;
        }
        var day = shipment.DispatchOn ?? DateOnly.FromDateTime(request.OrderedAt.UtcDateTime);
        try
        {
            if (!await grains.Reference<IFulfilmentNodeGrain>(shipment.NodeId).ClaimCapacity(ReservationId, day))
            {
                return false; // that day filled up since the bid: the next round re-bids
            }
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Order {Order}: capacity claim at {Node} failed", request.OrderId, shipment.NodeId);
            return false;
        }
        _claimed[shipment.NodeId] = day;
        return true;
    }

    /// <summary>Raises the reservation's hold at the node's stock grain by the line; false when refused or unknown.</summary>
    public async Task<bool> Hold(string nodeId, OrderLine line)
    {
        var key = (nodeId, line.Sku);
        var total = _held.GetValueOrDefault(key) + line.Quantity;
        try
        {
            var result = await Stock(key).Hold(ReservationId, total, request.HoldFor, request.Channel, _attempt);
            if (result.Outcome != HoldOutcome.Granted)
            {
                return false;
            }
            _held[key] = total;
            return true;
        }
        catch (Exception ex)
        {
            // Unknown outcome: a hold we do not count expires on its own.
            logger.LogWarning(ex, "Order {Order}: hold at {Node}/{Sku} failed", request.OrderId, nodeId, line.Sku);
            return false;
        }
    }

    /// <summary>Lowers the holds by lines granted but not kept (a kit or ship-complete order that lost part of its race).</summary>
    public async Task GiveBack(IReadOnlyList<(string NodeId, OrderLine Line)> lines)
    {
        await Task.WhenAll(lines.GroupBy(l => (l.NodeId, l.Line.Sku)).Select(async g =>
        {
            var total = _held.GetValueOrDefault(g.Key) - g.Sum(l => l.Line.Quantity);
            try
            {
                if (total <= 0)
                {
                    _held.Remove(g.Key);
                    await Stock(g.Key).DropHold(ReservationId, _attempt);
                }
                else
                {
                    _held[g.Key] = total;
                    await Stock(g.Key).Hold(ReservationId, total, request.HoldFor, request.Channel, _attempt);
                }
            }
            catch (Exception ex)
            {
                // The surplus hold expires on its own, and the order commits only what its parcels say.
                logger.LogWarning(ex, "Order {Order}: giving back {Sku} at {Node} failed", request.OrderId, g.Key.Sku, g.Key.NodeId);
            }
        }));
    }

    /// <summary>Adds kept lines to the node's parcel; its cost is the node's quote for all its units, its dates the latest.</summary>
    public void AddToParcel(PlannedShipment shipment, IReadOnlyList<OrderLine> kept, NodeBid bid)
    {
        Parcels.TryGetValue(shipment.NodeId, out var existing);
        var merged = (existing?.Lines ?? []).Concat(kept)
            .GroupBy(l => l.Sku, StringComparer.Ordinal)
            .Select(g => new OrderLine(g.Key, g.Sum(l => l.Quantity), 0m, g.First().KitId))
            .ToList();
        var cost = bid.ShipmentCost + bid.UnitCost * merged.Sum(l => l.Quantity);
        var promisedBy = existing is null || shipment.PromisedBy > existing.PromisedBy ? shipment.PromisedBy : existing.PromisedBy;
        var dispatchOn = existing?.DispatchOn is { } before && (shipment.DispatchOn is null || before > shipment.DispatchOn) ? before : shipment.DispatchOn;
        Parcels[shipment.NodeId] = new ShipmentAllocation(shipment.NodeId, merged, cost, promisedBy, DispatchOn: dispatchOn);
    }

    /// <summary>Gives back the capacity of nodes this allocation claimed but holds nothing at.</summary>
    public async Task ReleaseUnusedCapacity(IEnumerable<string> nodes)
    {
        foreach (var node in nodes.Distinct(StringComparer.Ordinal).Where(n => _claimed.ContainsKey(n) && !_held.Keys.Any(k => k.Node == n)).ToList())
        {
            _claimed.Remove(node, out var day);
            try
            {
                await grains.Reference<IFulfilmentNodeGrain>(node).ReleaseCapacity(ReservationId, day);
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Order {Order}: releasing capacity at {Node} failed", request.OrderId, node);
            }
        }
    }

    private IStockGrain Stock((string Node, string Sku) key) => grains.Reference<IStockGrain>(Identifiers.StockKey(key.Node, key.Sku));
}
