using OrleansOrders.Contracts;
using OrleansOrders.Routing;

namespace OrleansOrders.Grains.Routing;

/// <summary>
/// Translates a node's bid into the solver's offer: stock, quote, dispatch terms, reserves, inbound
/// supply, opportunity cost. A bid's reject risk (<see cref="SkuTerms.RejectRisk"/>, the expected cost of
/// the parcel going wrong at that node, per unit) joins the opportunity cost: like it, it weighs in the
/// routing objective and never in the parcel's price, so the solver prefers a reliable node at an equal
/// price and the customer's shipping cost stays what the carrier charges.
/// </summary>
public static class BidTerms
{
    public static NodeOffer ToOffer(NodeBid bid) => new(
        bid.NodeId,
        bid.Offered.ToDictionary(l => l.Sku, l => l.Quantity, StringComparer.Ordinal),
        new ShippingQuote(bid.ShipmentCost, bid.UnitCost, bid.TransitDays, 0),
        bid.PromisedBy)
    {
        Priority = bid.Priority,
        DistanceKm = bid.DistanceKm,
        ServiceRadiusKm = bid.ServiceRadiusKm,
        // The bid's promise already counts the cutoff: the solver re-derives it from the dispatch day it picks.
        CutoffUtc = bid.CutoffUtc,
        Capacity = bid.DailyCapacity > 0 ? new DispatchCapacity(bid.DailyCapacity, bid.PromisedByDay) : null,
        Shipper = RoutingSettings.ShipperTypeOf(bid.Kind),
        Reserves = bid.Terms
            .Where(t => t.Reserve is { Quantity: > 0 })
            .ToDictionary(t => t.Sku, t => new ProtectedReserve(t.Reserve!.Quantity, t.Reserve.Channels.ToList()), StringComparer.Ordinal),
        OpportunityCost = bid.Terms
            .Where(t => t.OpportunityCost + t.RejectRisk > 0)
            .ToDictionary(t => t.Sku, t => t.OpportunityCost + t.RejectRisk, StringComparer.Ordinal),
        Inbound = bid.Terms
            .SelectMany(t => t.Inbound.Select(r => new InboundReceipt(t.Sku, r.Quantity, r.ExpectedOn)))
            .ToList(),
    };
}
