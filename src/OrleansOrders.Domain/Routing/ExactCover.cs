namespace OrleansOrders.Routing;

/// <summary>
/// The exact search of <see cref="RoutingObjective.LowestCost"/>: the plan of least cost (parcels,
/// units and weighted opportunity cost) over every set of at most <c>maxParcels</c> of the offers,
/// whatever its number of parcels; on a tie the fewer parcels, then the usual tie-breaks
/// (<see cref="PlanObjective.IsBetter"/>).
/// <para>
/// For a fixed node set the best assignment fills each line from the lowest unit marginal up (unit
/// terms are linear and, without kits, every SKU is one line), so evaluating a set is a walk over
/// each line's nodes in marginal order, with no allocation; a node that gets nothing is not paid
/// for, and that plan is also the plan of the smaller set. Sets are visited depth first with nodes
/// in order of parcel cost, and a branch is cut once its parcel costs plus the floor (every line at
/// its lowest marginal anywhere) exceed the best plan so far, which no plan under it can beat.
/// </para>
/// <para>
/// When no set covers the order, the plan that ships the most units, then the cheapest such plan
/// (a unit not shipped costs more than any parcel that would carry it). Orders with kits evaluate
/// each set with <see cref="UnitAssignment.Assign"/> (every kit placement) and, when nothing covers,
/// keep the greedy partial plan. At most <see cref="MaxNodeSets"/> sets are evaluated per order (a
/// bound on the hot path; the ordinary case of a few lines over a dozen bids needs far fewer), and
/// at most <see cref="MaxNodes"/> offers, those covering the most units, take part.
/// </para>
/// </summary>
internal static class ExactCover
{
    /// <summary>Node sets evaluated per order at most; past it the best plan found so far stands.</summary>
    public const int MaxNodeSets = 20_000;

    /// <summary>Offers the search takes at most (a set is a 64-bit mask).</summary>
    public const int MaxNodes = 64;

    /// <summary>The cheapest complete plan within <paramref name="maxParcels"/>, or null when no set covers the order.</summary>
    public static AllocationPlan? BestCover(OrderDemand demand, IReadOnlyList<NodeOffer> useful, int maxParcels, PlanObjective objective) =>
        Search(demand, useful, maxParcels, objective, partial: false);

    /// <summary>The plan that ships the most units within <paramref name="maxParcels"/>, the cheapest of those; kits fall back to <see cref="CoverSearch.GreedyPartial"/>.</summary>
    public static AllocationPlan BestPartial(OrderDemand demand, IReadOnlyList<NodeOffer> useful, int maxParcels, PlanObjective objective) =>
        demand.HasKits
            ? CoverSearch.GreedyPartial(demand, useful, maxParcels)
            : Search(demand, useful, maxParcels, objective, partial: true) ?? AllocationPlan.Nothing(demand.Lines);

    private static AllocationPlan? Search(OrderDemand demand, IReadOnlyList<NodeOffer> useful, int maxParcels, PlanObjective objective, bool partial)
    {
        if (maxParcels <= 0 || useful.Count == 0)
        {
            return null;
        }
        var nodes = CoverSearch.ByCoverage(demand, useful)
            .Take(MaxNodes)
            .OrderBy(o => o.Quote.ShipmentCost)
            .ThenBy(o => o.NodeId, StringComparer.Ordinal)
            .ToArray();
        var search = new NodeSetSearch(demand, nodes, objective, Math.Min(maxParcels, nodes.Length), partial);
        return search.Run();
    }

    /// <summary>One order's search: per node its parcel cost, per line each node's stock and marginal, and each line's nodes in marginal order.</summary>
    private sealed class NodeSetSearch
    {
        private readonly OrderDemand _demand;
        private readonly NodeOffer[] _nodes;
        private readonly PlanObjective _objective;
        private readonly int _limit;
        private readonly bool _partial;
        private readonly decimal[] _parcel;
        private readonly int[][] _stock;
        private readonly decimal[][] _marginal;
        private readonly int[][] _byMarginal;
        private readonly decimal _floor;
        private readonly int _wantedUnits;

        private int _visited;
        private bool _found;
        private ulong _bestMask;
        private int _bestUnits = -1;
        private decimal _bestValue;
        private int _bestParcels;
        private AllocationPlan? _bestPlan;
        private PlanScore _bestScore;

        public NodeSetSearch(OrderDemand demand, NodeOffer[] nodes, PlanObjective objective, int limit, bool partial)
        {
            _demand = demand;
            _nodes = nodes;
            _objective = objective;
            _limit = limit;
            _partial = partial;
            var lines = demand.Lines.Count;
            _parcel = nodes.Select(n => n.Quote.ShipmentCost).ToArray();
            _stock = new int[lines][];
            _marginal = new decimal[lines][];
            _byMarginal = new int[lines][];
            for (var l = 0; l < lines; l++)
            {
                var sku = demand.Lines[l].Sku;
                _stock[l] = nodes.Select(n => Math.Max(0, n.Available.GetValueOrDefault(sku))).ToArray();
                _marginal[l] = nodes.Select(n => objective.UnitMarginal(n, sku)).ToArray();
                var marginal = _marginal[l];
                _byMarginal[l] = Enumerable.Range(0, nodes.Length)
                    .Where(n => _stock[l][n] > 0)
                    .OrderBy(n => marginal[n])
                    .ThenBy(n => nodes[n].NodeId, StringComparer.Ordinal)
                    .ToArray();
                var quantity = demand.Lines[l].Quantity;
                _wantedUnits += quantity;
                if (_byMarginal[l].Length > 0)
                {
                    _floor += quantity * marginal[_byMarginal[l][0]];
                }
            }
        }

        public AllocationPlan? Run()
        {
            if (!_partial && !Coverable())
            {
                return null;
            }
            Visit(0, 0UL, 0, 0m);
            if (!_found)
            {
                return null;
            }
            return _bestPlan ?? UnitAssignment.Assign(_demand, Members(_bestMask), _objective);
        }

        /// <summary>Enough units of every SKU among all the nodes, and every kit fits whole on one of them.</summary>
        private bool Coverable()
        {
            foreach (var (sku, quantity) in _demand.TotalBySku)
            {
                long total = 0;
                foreach (var node in _nodes)
                {
                    total += Math.Max(0, node.Available.GetValueOrDefault(sku));
                }
                if (total < quantity)
                {
                    return false;
                }
            }
            return _demand.Kits.All(kit => _nodes.Any(n => UnitAssignment.Fits(_demand, kit, n.Available)));
        }

        private void Visit(int from, ulong mask, int size, decimal parcels)
        {
            if (size > 0)
            {
                if (_visited >= MaxNodeSets)
                {
                    return;
                }
                _visited++;
                Evaluate(mask);
            }
            if (size == _limit)
            {
                return;
            }
            for (var i = from; i < _nodes.Length; i++)
            {
                // Nodes are in parcel-cost order: once one is cut, every later one is too.
                if (_found && _bestUnits == _wantedUnits && parcels + _parcel[i] + _floor > _bestValue)
                {
                    break;
                }
                Visit(i + 1, mask | (1UL << i), size + 1, parcels + _parcel[i]);
            }
        }

        private void Evaluate(ulong mask)
        {
            if (_demand.HasKits)
            {
                EvaluateWithKits(mask);
                return;
            }
            var used = 0UL;
            var value = 0m;
            var units = 0;
            for (var l = 0; l < _byMarginal.Length; l++)
            {
                var left = _demand.Lines[l].Quantity;
                foreach (var n in _byMarginal[l])
                {
                    if ((mask & (1UL << n)) == 0)
                    {
                        continue;
                    }
                    var take = Math.Min(left, _stock[l][n]);
                    value += take * _marginal[l][n];
                    used |= 1UL << n;
                    left -= take;
                    if (left == 0)
                    {
                        break;
                    }
                }
                if (left > 0 && !_partial)
                {
                    return; // not a cover
                }
                units += _demand.Lines[l].Quantity - left;
            }
            if (units == 0 || used != mask)
            {
                return; // a node with nothing to ship: the same plan as the smaller set, visited on its own
            }
            var parcels = 0;
            for (var n = 0; n < _nodes.Length; n++)
            {
                if ((used & (1UL << n)) != 0)
                {
                    value += _parcel[n];
                    parcels++;
                }
            }
            if (!_found || units > _bestUnits || (units == _bestUnits && Better(value, parcels, used)))
            {
                (_found, _bestMask, _bestUnits, _bestValue, _bestParcels, _bestPlan) = (true, used, units, value, parcels, null);
            }
        }

        /// <summary>Lower value, then fewer parcels, then the objective's tie-breaks on the built plans (rare: only on an exact tie).</summary>
        private bool Better(decimal value, int parcels, ulong mask)
        {
            if (value != _bestValue)
            {
                return value < _bestValue;
            }
            if (parcels != _bestParcels)
            {
                return parcels < _bestParcels;
            }
            var candidate = _objective.Score(UnitAssignment.Assign(_demand, Members(mask), _objective));
            var incumbent = _objective.Score(UnitAssignment.Assign(_demand, Members(_bestMask), _objective));
            return _objective.IsBetter(candidate, incumbent);
        }

        private void EvaluateWithKits(ulong mask)
        {
            var plan = UnitAssignment.Assign(_demand, Members(mask), _objective);
            if (!plan.IsComplete || plan.Shipments.Count != PopCount(mask))
            {
                return;
            }
            var score = _objective.Score(plan);
            if (!_found || score.Value < _bestScore.Value
                || (score.Value == _bestScore.Value && (score.Shipments < _bestScore.Shipments
                    || (score.Shipments == _bestScore.Shipments && _objective.IsBetter(score, _bestScore)))))
            {
                (_found, _bestMask, _bestUnits, _bestValue, _bestParcels, _bestPlan, _bestScore) =
                    (true, mask, _wantedUnits, score.Value, score.Shipments, plan, score);
            }
        }

        private NodeOffer[] Members(ulong mask)
        {
            var members = new NodeOffer[PopCount(mask)];
            var k = 0;
            for (var n = 0; n < _nodes.Length; n++)
            {
                if ((mask & (1UL << n)) != 0)
                {
                    members[k++] = _nodes[n];
                }
            }
            return members;
        }

        private static int PopCount(ulong mask) => System.Numerics.BitOperations.PopCount(mask);
    }
}
