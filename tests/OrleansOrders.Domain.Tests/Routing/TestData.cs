using System.Globalization;
using System.Text;

namespace OrleansOrders.Routing.Tests;

/// <summary>Small builders and formatters shared by the solver tests.</summary>
internal static class TestData
{
    /// <summary>A Monday, so adding a few days never crosses a weekend.</summary>
    public static readonly DateOnly Day = new(2025, 3, 10);

    public static DemandLine[] Demand(params (string Sku, int Quantity)[] lines) =>
        lines.Select(l => new DemandLine(l.Sku, l.Quantity)).ToArray();

    public static NodeOffer Offer(string nodeId, decimal shipmentCost, decimal unitCost, params (string Sku, int Quantity)[] stock) =>
        OfferBy(nodeId, shipmentCost, unitCost, Day, stock);

    public static NodeOffer OfferBy(string nodeId, decimal shipmentCost, decimal unitCost, DateOnly promisedBy, params (string Sku, int Quantity)[] stock) =>
        new(
            nodeId,
            stock.ToDictionary(s => s.Sku, s => s.Quantity, StringComparer.Ordinal),
            new ShippingQuote(shipmentCost, unitCost, TransitDays: 2, Zone: 3),
            promisedBy);

    /// <summary>
    /// A plan as text, e.g. <c>"A[x:2,y:1] B[z:4] | x:3"</c>: shipments in plan order with their lines,
    /// then what is unallocated. Makes exact structural assertions readable.
    /// </summary>
    public static string Shape(AllocationPlan plan)
    {
        var text = new StringBuilder();
        text.Append(string.Join(' ', plan.Shipments.Select(s => $"{s.NodeId}[{Lines(s.Lines)}]")));
        if (plan.Unallocated.Count > 0)
        {
            text.Append(" | ").Append(Lines(plan.Unallocated));
        }
        return text.ToString().Trim();
    }

    public static string Lines(IEnumerable<DemandLine> lines) =>
        string.Join(',', lines.Select(l => string.Create(CultureInfo.InvariantCulture, $"{l.Sku}:{l.Quantity}")));
}
