using OrleansOrders.Contracts;
using OrleansOrders.LoadTest.Network;

namespace OrleansOrders.LoadTest.Scenarios;

/// <summary>
/// Buy online, pick up in store: each customer is a few kilometres from a store of the network
/// (all of them offer pickup) and names it as <see cref="OrderRequest.PickupNodeId"/>. Customers
/// mostly buy what the store shows on its shelf, in proportion to the units it keeps above safety
/// stock (its stock already follows popularity), so the store's stock drains evenly instead of its
/// few best sellers running out early in the run; <see cref="OffShelfShare"/> of the lines are for
/// any SKU by network popularity, which the store may not carry. <see cref="SplitShipShare"/> of the
/// orders let what the store lacks ship from elsewhere; the rest wait for the store.
/// </summary>
public sealed class PickupScenario : OrderScenario
{
    public const double SplitShipShare = 0.3;
    public const double OffShelfShare = 0.1;

    private readonly Dictionary<string, Shelf> _shelves;

    public PickupScenario(SyntheticNetwork network, int seed, int linesPerOrder = 1)
        : base(network, seed, linesPerOrder)
    {
        var stores = network.Stores.Select(s => s.NodeId).ToHashSet(StringComparer.Ordinal);
        _shelves = network.Stock
            .Where(s => stores.Contains(s.NodeId) && s.Level.OnHand > s.Level.SafetyStock)
            .GroupBy(s => s.NodeId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => new Shelf(g.ToList()), StringComparer.Ordinal);
    }

    public override string Name => Scenarios.Pickup;

    /// <summary>The SKUs a store stocks (above safety stock): what its shelf offers for pickup.</summary>
    public IReadOnlyCollection<string> ShelfOf(string storeId) =>
        _shelves.TryGetValue(storeId, out var shelf) ? shelf.Skus : [];

    protected override OrderRequest Draw(Random random, string orderId)
    {
        var store = Network.Stores[random.Next(Network.Stores.Count)];
        var shipTo = UsMetros.Jitter(random, store.Location, 3);
        var shelf = _shelves.GetValueOrDefault(store.NodeId);
        var lines = Lines(random, LinesPerOrder, (r, seen) =>
            shelf is null || r.NextDouble() < OffShelfShare ? DrawSku(r, seen) : shelf.Draw(r));
        var order = new OrderRequest(orderId, CustomerId(random), Channel(random), shipTo, lines);
        return order with { PickupNodeId = store.NodeId, AllowSplitShip = random.NextDouble() < SplitShipShare };
    }

    protected override string DrawSku(Random random, IReadOnlySet<string> alreadyOnOrder) => PopularSku(random);

    /// <summary>A store's SKUs, drawn in proportion to the units it has above safety stock.</summary>
    private sealed class Shelf
    {
        private readonly string[] _skus;
        private readonly long[] _cumulativeUnits;

        public Shelf(IReadOnlyList<StockEntry> stock)
        {
            _skus = stock.Select(s => s.Sku).ToArray();
            _cumulativeUnits = new long[stock.Count];
            long total = 0;
            for (var i = 0; i < stock.Count; i++)
            {
                total += stock[i].Level.OnHand - stock[i].Level.SafetyStock;
                _cumulativeUnits[i] = total;
            }
        }

        public IReadOnlyCollection<string> Skus => _skus;

        public string Draw(Random random)
        {
            var unit = random.NextInt64(_cumulativeUnits[^1]);
            // BinarySearch answers the complement of the first larger element when the unit is not a boundary.
            var index = Array.BinarySearch(_cumulativeUnits, unit);
            return _skus[index >= 0 ? index + 1 : ~index];
        }
    }
}
