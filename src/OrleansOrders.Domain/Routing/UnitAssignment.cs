namespace OrleansOrders.Routing;

/// <summary>
/// Given a fixed set of nodes, puts each unit on the node where it scores lowest
/// (<see cref="PlanObjective.UnitMarginal"/>: unit cost, plus opportunity cost and depletion where the
/// objective counts them) and that still has it. Parcel costs are fixed once the set is, and the
/// unit terms are linear, so this is the best assignment for the set; every subset is searched on
/// its own, so nodes left with nothing are simply dropped. Kits are placed first, each whole on one
/// node: every placement is tried (up to <see cref="MaxKitPlacements"/>) and the best kept.
/// </summary>
internal static class UnitAssignment
{
    public const int MaxKitPlacements = 4096;

    public static AllocationPlan Assign(OrderDemand demand, IReadOnlyList<NodeOffer> nodes, PlanObjective objective)
    {
        if (!demand.HasKits)
        {
            return Build(demand, nodes, kitNodes: null, left: null, objective);
        }

        var kitNodes = new int[demand.Kits.Count];
        var left = nodes.Select(n => new Dictionary<string, int>(n.Available, StringComparer.Ordinal)).ToArray();
        AllocationPlan? best = null;
        var bestMissing = 0;
        PlanScore bestScore = default;
        var leaves = 0;

        void Visit(int k)
        {
            if (leaves >= MaxKitPlacements)
            {
                return;
            }
            if (k == demand.Kits.Count)
            {
                leaves++;
                var plan = Build(demand, nodes, kitNodes, left, objective);
                var missing = plan.Unallocated.Sum(u => u.Quantity);
                var score = objective.Score(plan);
                if (best is null || missing < bestMissing || (missing == bestMissing && objective.IsBetter(score, bestScore)))
                {
                    (best, bestMissing, bestScore) = (plan, missing, score);
                }
                return;
            }
            var placed = false;
            var kit = demand.Kits[k];
            for (var n = 0; n < nodes.Count; n++)
            {
                if (!Fits(demand, kit, left[n]))
                {
                    continue;
                }
                placed = true;
                Move(demand, kit, left[n], -1);
                kitNodes[k] = n;
                Visit(k + 1);
                Move(demand, kit, left[n], +1);
            }
            if (!placed)
            {
                kitNodes[k] = -1;
                Visit(k + 1);
            }
        }

        Visit(0);
        return best!;
    }

    internal static bool Fits(OrderDemand demand, int[] kit, IReadOnlyDictionary<string, int> left)
    {
        foreach (var group in kit.GroupBy(i => demand.Lines[i].Sku, StringComparer.Ordinal))
        {
            if (left.GetValueOrDefault(group.Key) < group.Sum(i => demand.Lines[i].Quantity))
            {
                return false;
            }
        }
        return true;
    }

    internal static void Move(OrderDemand demand, int[] kit, Dictionary<string, int> left, int sign)
    {
        foreach (var i in kit)
        {
            var line = demand.Lines[i];
            left[line.Sku] = left.GetValueOrDefault(line.Sku) + sign * line.Quantity;
        }
    }

    private static AllocationPlan Build(OrderDemand demand, IReadOnlyList<NodeOffer> nodes, int[]? kitNodes, Dictionary<string, int>[]? left, PlanObjective objective)
    {
        var perNode = new List<DemandLine>?[nodes.Count];
        var unallocated = new List<DemandLine>();
        var kitOfLine = new Dictionary<int, int>();
        for (var k = 0; k < demand.Kits.Count; k++)
        {
            foreach (var i in demand.Kits[k])
            {
                kitOfLine[i] = k;
            }
        }

        for (var i = 0; i < demand.Lines.Count; i++)
        {
            var line = demand.Lines[i];
            if (kitOfLine.TryGetValue(i, out var kit))
            {
                var node = kitNodes![kit];
                if (node >= 0)
                {
                    (perNode[node] ??= []).Add(line);
                }
                else
                {
                    unallocated.Add(line);
                }
                continue;
            }

            var remaining = line.Quantity;
            var order = Enumerable.Range(0, nodes.Count)
                .OrderBy(n => objective.UnitMarginal(nodes[n], line.Sku))
                .ThenBy(n => nodes[n].NodeId, StringComparer.Ordinal);
            foreach (var n in order)
            {
                var has = left is null ? nodes[n].Available.GetValueOrDefault(line.Sku) : left[n].GetValueOrDefault(line.Sku);
                var take = Math.Min(remaining, has);
                if (take > 0)
                {
                    (perNode[n] ??= []).Add(line with { Quantity = take });
                    remaining -= take;
                }
                if (remaining == 0)
                {
                    break;
                }
            }
            if (remaining > 0)
            {
                unallocated.Add(line with { Quantity = remaining });
            }
        }

        var shipments = new List<PlannedShipment>();
        for (var n = 0; n < nodes.Count; n++)
        {
            if (perNode[n] is { } lines)
            {
                shipments.Add(new PlannedShipment(nodes[n].NodeId, lines, nodes[n].CostOf(lines), nodes[n].PromisedBy));
            }
        }
        shipments.Sort((a, b) => string.CompareOrdinal(a.NodeId, b.NodeId));
        return new AllocationPlan(shipments, unallocated);
    }
}
