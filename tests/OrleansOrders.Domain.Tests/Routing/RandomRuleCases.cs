using System.Text;
using static OrleansOrders.Routing.Tests.TestData;

namespace OrleansOrders.Routing.Tests;

/// <summary>
/// Seeded random solver inputs that switch on every rule of issue 3 at random: kits, objectives,
/// ship complete, status, radius, fulfilment types, cutoff and capacity, safety stock, channel
/// reserves, priority tiers, opportunity cost, per-SKU unit costs, inbound supply and store pickup.
/// </summary>
internal static class RandomRuleCases
{
    public static readonly DateTimeOffset OrderDay = new(Day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    public sealed record Case(int Seed, int Index, IReadOnlyList<DemandLine> Demand, IReadOnlyList<NodeOffer> Offers, SolverOptions Options)
    {
        public override string ToString()
        {
            var o = Options;
            var text = new StringBuilder();
            text.AppendLine($"case #{Index} (seed {Seed}): objective {o.Objective}, max {o.MaxShipments}, shipComplete {o.ShipComplete}, channel {o.Channel ?? "-"}, " +
                $"orderedAt {o.OrderedAt:HH:mm}, delay {o.MaxDispatchDelayDays}, maxKm {o.MaxDistanceKm?.ToString() ?? "-"}, allowed {(o.AllowedFulfilment is null ? "any" : string.Join('/', o.AllowedFulfilment))}, " +
                $"pickup {o.PickupNodeId ?? "-"} split {o.AllowSplitShip}, tiers {o.PriorityTiers}");
            text.AppendLine($"  demand: {string.Join(',', Demand.Select(d => $"{d.Sku}:{d.Quantity}{(d.KitId is null ? "" : "@" + d.KitId)}"))}");
            foreach (var f in Offers)
            {
                text.AppendLine($"  offer {f.NodeId} {f.Status} p{f.Priority} {f.Shipper?.ToString() ?? "?"} km {f.DistanceKm:0}/{f.ServiceRadiusKm?.ToString("0") ?? "-"} " +
                    $"cap {(f.Capacity is null ? "-" : f.Capacity.PerDay + ":" + string.Join('/', f.Capacity.PromisedByDay))} cutoff {f.CutoffUtc?.ToString("HH:mm") ?? "-"} " +
                    $"parcel {f.Quote.ShipmentCost}+{f.Quote.UnitCost} by {f.PromisedBy:MM-dd} stock {string.Join(',', f.Available.Select(a => $"{a.Key}:{a.Value}"))} " +
                    $"safety {string.Join(',', f.SafetyStock.Select(a => $"{a.Key}:{a.Value}"))} reserve {string.Join(',', f.Reserves.Select(a => $"{a.Key}:{a.Value.Quantity}>{string.Join('/', a.Value.Channels)}"))} " +
                    $"opp {string.Join(',', f.OpportunityCost.Select(a => $"{a.Key}:{a.Value}"))} inbound {string.Join(',', f.Inbound.Select(r => $"{r.Sku}:{r.Quantity}@{r.ExpectedOn:MM-dd}"))}");
            }
            return text.ToString();
        }
    }

    public static IEnumerable<Case> Generate(int seed, int count)
    {
        var rng = new Random(seed);
        string[] skuPool = ["A", "B", "C", "D", "E"];
        string[] channels = ["web", "app", "store"];
        for (var i = 0; i < count; i++)
        {
            var skus = skuPool.Take(rng.Next(1, skuPool.Length + 1)).ToArray();
            var demand = new List<DemandLine>();
            for (var l = rng.Next(1, 7); l > 0; l--)
            {
                var quantity = rng.Next(15) == 0 ? rng.Next(-2, 1) : rng.Next(1, 7);
                var kit = rng.Next(4) == 0 ? $"k{rng.Next(1, 3)}" : null;
                demand.Add(new DemandLine(skus[rng.Next(skus.Length)], quantity) { KitId = kit });
            }

            var offers = new List<NodeOffer>();
            var offerCount = rng.Next(0, 11);
            for (var n = 0; n < offerCount; n++)
            {
                var stock = new Dictionary<string, int>(StringComparer.Ordinal);
                var safety = new Dictionary<string, int>(StringComparer.Ordinal);
                var reserves = new Dictionary<string, ProtectedReserve>(StringComparer.Ordinal);
                var opportunity = new Dictionary<string, decimal>(StringComparer.Ordinal);
                var unitCosts = new Dictionary<string, decimal>(StringComparer.Ordinal);
                var inbound = new List<InboundReceipt>();
                foreach (var sku in skus)
                {
                    if (rng.NextDouble() < 0.6)
                    {
                        stock[sku] = rng.Next(8) == 0 ? rng.Next(-3, 0) : rng.Next(0, 14);
                    }
                    if (rng.Next(5) == 0)
                    {
                        safety[sku] = rng.Next(-1, 4);
                    }
                    if (rng.Next(5) == 0)
                    {
                        reserves[sku] = new ProtectedReserve(rng.Next(-1, 6), rng.Next(2) == 0 ? ["store"] : ["store", "app"]);
                    }
                    if (rng.Next(3) == 0)
                    {
                        opportunity[sku] = rng.Next(0, 600) / 100m;
                    }
                    if (rng.Next(4) == 0)
                    {
                        unitCosts[sku] = rng.Next(0, 300) / 100m;
                    }
                    if (rng.Next(4) == 0)
                    {
                        inbound.Add(new InboundReceipt(sku, rng.Next(0, 10), Day.AddDays(rng.Next(1, 15))));
                    }
                }
                DispatchCapacity? capacity = rng.Next(3) == 0
                    ? new DispatchCapacity(rng.Next(0, 4), Enumerable.Range(0, rng.Next(0, 4)).Select(_ => rng.Next(0, 4)).ToArray())
                    : null;
                offers.Add(new NodeOffer(
                    $"n{n:D2}",
                    stock,
                    new ShippingQuote(rng.Next(50, 1500) / 100m, rng.Next(0, 200) / 100m, TransitDays: rng.Next(1, 6), Zone: rng.Next(1, 6)),
                    Day.AddDays(rng.Next(0, 6)))
                {
                    Status = rng.Next(8) switch { 0 => OfferStatus.Paused, 1 => OfferStatus.Closed, _ => OfferStatus.Open },
                    Priority = rng.Next(3),
                    DistanceKm = rng.Next(5) == 0 ? null : rng.Next(0, 3000),
                    ServiceRadiusKm = rng.Next(3) == 0 ? rng.Next(300, 2500) : null,
                    Capacity = capacity,
                    CutoffUtc = rng.Next(2) == 0 ? new TimeOnly(rng.Next(10, 22), 0) : null,
                    Shipper = rng.Next(4) switch { 0 => null, 1 => ShipperType.Store, 2 => ShipperType.DropShipSupplier, _ => ShipperType.DistributionCentre },
                    SafetyStock = safety,
                    Reserves = reserves,
                    OpportunityCost = opportunity,
                    UnitCostBySku = unitCosts,
                    Inbound = inbound,
                });
            }
            offers = offers.OrderBy(_ => rng.Next()).ToList();

            var objective = (RoutingObjective)rng.Next(Enum.GetValues<RoutingObjective>().Length);
            var allowed = rng.Next(4) == 0
                ? new HashSet<FulfilmentType>(Enum.GetValues<FulfilmentType>().Where(_ => rng.Next(2) == 0))
                : null;
            var pickup = rng.Next(4) == 0 ? (offers.Count > 0 && rng.Next(6) > 0 ? offers[rng.Next(offers.Count)].NodeId : "nowhere") : null;
            var options = new SolverOptions
            {
                MaxShipments = rng.Next(0, 5),
                Objective = objective,
                Weights = new ObjectiveWeights(rng.Next(0, 3), rng.Next(0, 4), rng.Next(0, 10), rng.Next(0, 5)),
                OpportunityCostWeight = rng.Next(0, 3),
                ShipComplete = rng.Next(5) == 0,
                Channel = rng.Next(4) == 0 ? null : channels[rng.Next(channels.Length)],
                OrderedAt = rng.Next(5) == 0 ? null : OrderDay.AddMinutes(rng.Next(0, 24 * 60)),
                MaxDispatchDelayDays = rng.Next(0, 3),
                MaxDistanceKm = rng.Next(4) == 0 ? rng.Next(500, 3000) : null,
                AllowedFulfilment = allowed,
                PickupNodeId = pickup,
                AllowSplitShip = rng.Next(2) == 0,
                PriorityTiers = rng.Next(3) == 0,
                ReceiptHandlingDays = rng.Next(0, 3),
            };
            yield return new Case(seed, i, demand, offers, options);
        }
    }

    /// <summary>Units of (SKU, kit) in lines.</summary>
    public static Dictionary<(string Sku, string? Kit), int> Totals(IEnumerable<DemandLine> lines) =>
        lines.GroupBy(l => (l.Sku, l.KitId)).ToDictionary(g => g.Key, g => g.Sum(l => l.Quantity));

    /// <summary>What the order's channel may take of a SKU at a node, computed independently of <see cref="ReserveRule"/>.</summary>
    public static int MayTake(NodeOffer offer, string sku, string? channel)
    {
        var available = offer.Available.GetValueOrDefault(sku);
        var safety = Math.Max(0, offer.SafetyStock.GetValueOrDefault(sku));
        var reserve = offer.Reserves.TryGetValue(sku, out var r) && !(channel is not null && r.Channels.Contains(channel)) ? Math.Max(0, r.Quantity) : 0;
        return Math.Max(0, available - safety - reserve);
    }
}
