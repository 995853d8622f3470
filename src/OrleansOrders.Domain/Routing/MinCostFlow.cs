namespace OrleansOrders.Routing;

/// <summary>
/// A small min-cost flow solver over real-valued capacities: successive shortest paths found by
/// Bellman-Ford with a queue (SPFA), so negative arc costs are fine as long as the residual graph
/// has no negative cycle (true from a zero flow on a graph without negative cycles, and kept by
/// augmenting along shortest paths). Augments only while a path of negative cost exists, which
/// gives the minimum cost over every flow value. Sized for transportation problems of a few
/// dozen nodes and regions; no claim beyond that.
/// </summary>
internal sealed class MinCostFlow(int vertices)
{
    private const double Epsilon = 1e-9;
    private readonly List<Arc> _arcs = [];
    private readonly List<int>[] _out = Enumerable.Range(0, vertices).Select(_ => new List<int>()).ToArray();

    private sealed class Arc(int to, double capacity, double cost)
    {
        public int To { get; } = to;
        public double Capacity { get; set; } = capacity;
        public double Cost { get; } = cost;
        public double Flow { get; set; }
        public double Residual => Capacity - Flow;
    }

    public int VertexCount => vertices;

    /// <summary>Adds an arc and its reverse (residual) arc; returns the arc's id.</summary>
    public int AddArc(int from, int to, double capacity, double cost)
    {
        _out[from].Add(_arcs.Count);
        _arcs.Add(new Arc(to, capacity, cost));
        _out[to].Add(_arcs.Count);
        _arcs.Add(new Arc(from, 0, -cost));
        return _arcs.Count - 2;
    }

    public double FlowOn(int arc) => _arcs[arc].Flow;

    /// <summary>Sends flow from source to sink along negative-cost paths until none is left; returns the total cost.</summary>
    public double MinimiseCost(int source, int sink)
    {
        var total = 0.0;
        while (true)
        {
            var (dist, via) = ShortestPaths(source);
            if (double.IsPositiveInfinity(dist[sink]) || dist[sink] >= -Epsilon)
            {
                return total;
            }
            var push = double.PositiveInfinity;
            for (var v = sink; v != source; v = _arcs[via[v] ^ 1].To)
            {
                push = Math.Min(push, _arcs[via[v]].Residual);
            }
            for (var v = sink; v != source; v = _arcs[via[v] ^ 1].To)
            {
                _arcs[via[v]].Flow += push;
                _arcs[via[v] ^ 1].Flow -= push;
            }
            total += push * dist[sink];
        }
    }

    /// <summary>Shortest distances from <paramref name="source"/> over arcs with residual capacity (infinity when unreachable).</summary>
    public double[] DistancesFrom(int source) => ShortestPaths(source).Dist;

    private (double[] Dist, int[] Via) ShortestPaths(int source)
    {
        var dist = Enumerable.Repeat(double.PositiveInfinity, vertices).ToArray();
        var via = Enumerable.Repeat(-1, vertices).ToArray();
        var queued = new bool[vertices];
        var relaxations = new int[vertices];
        var queue = new Queue<int>();
        dist[source] = 0;
        queue.Enqueue(source);
        queued[source] = true;
        while (queue.Count > 0)
        {
            var u = queue.Dequeue();
            queued[u] = false;
            foreach (var id in _out[u])
            {
                var arc = _arcs[id];
                if (arc.Residual <= Epsilon || dist[u] + arc.Cost >= dist[arc.To] - Epsilon)
                {
                    continue;
                }
                dist[arc.To] = dist[u] + arc.Cost;
                via[arc.To] = id;
                if (!queued[arc.To])
                {
                    if (++relaxations[arc.To] > vertices)
                    {
                        throw new InvalidOperationException("Negative cycle in the residual graph.");
                    }
                    queue.Enqueue(arc.To);
                    queued[arc.To] = true;
                }
            }
        }
        return (dist, via);
    }
}
