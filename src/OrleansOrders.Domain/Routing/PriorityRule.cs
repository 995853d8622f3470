namespace OrleansOrders.Routing;

/// <summary>
/// Node priority (lower is preferred). With <see cref="SolverOptions.PriorityTiers"/> the search
/// runs on the best tier alone, then on the two best tiers together, and so on, and returns the
/// first complete plan (ranked sourcing: a store is used only when no DC covers the order).
/// Without tiers, priority only breaks ties between plans the objective scores equal.
/// </summary>
public static class PriorityRule
{
    /// <summary>The node sets to search in turn: one (all offers) without tiers, else one per widening tier.</summary>
    public static IEnumerable<IReadOnlyList<NodeOffer>> Tiers(IReadOnlyList<NodeOffer> offers, bool tiers)
    {
        if (!tiers)
        {
            yield return offers;
            yield break;
        }
        foreach (var priority in offers.Select(o => o.Priority).Distinct().Order())
        {
            yield return offers.Where(o => o.Priority <= priority).ToList();
        }
    }
}
