namespace OrleansOrders.LoadTest.RoutingQuality;

/// <summary>
/// What one strategy's run has left: stock per node and SKU, and parcels promised per node and day.
/// Every change is checked: stock never goes below zero and no day takes more parcels than the
/// node's capacity (a strategy that breaks either fails the run).
/// </summary>
internal sealed class NetworkState
{
    private readonly BenchNetwork _network;
    private readonly int[,] _stock;
    private readonly int[,] _promised;

    public NetworkState(BenchNetwork network, int days)
    {
        _network = network;
        _stock = (int[,])network.Stock.Clone();
        _promised = new int[network.Nodes.Count, days];
    }

    public int Stock(int node, int sku) => _stock[node, sku];

    /// <summary>Parcels already promised on each of the days from <paramref name="fromDay"/> (index into the run's days).</summary>
    public int[] PromisedFrom(int node, int fromDay, int count)
    {
        var days = new int[count];
        for (var d = 0; d < count && fromDay + d < _promised.GetLength(1); d++)
        {
            days[d] = _promised[node, fromDay + d];
        }
        return days;
    }

    public void Take(int node, int sku, int quantity)
    {
        if (quantity <= 0 || _stock[node, sku] < quantity)
        {
            throw new InvalidOperationException($"{_network.Nodes[node].Id} has {_stock[node, sku]} of {_network.Skus[sku].Id}; a plan took {quantity}.");
        }
        _stock[node, sku] -= quantity;
    }

    public void Promise(int node, int day)
    {
        if (day < 0 || day >= _promised.GetLength(1))
        {
            throw new InvalidOperationException($"{_network.Nodes[node].Id}: dispatch day {day} is outside the run.");
        }
        if (_promised[node, day] >= _network.Nodes[node].CapacityPerDay)
        {
            throw new InvalidOperationException($"{_network.Nodes[node].Id} is over capacity on day {day}.");
        }
        _promised[node, day]++;
    }
}
