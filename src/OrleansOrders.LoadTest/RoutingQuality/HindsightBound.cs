using Google.OrTools.LinearSolver;
using OrleansOrders.Routing;

namespace OrleansOrders.LoadTest.RoutingQuality;

/// <summary>
/// The hindsight bound: the LP relaxation of the offline problem that knows the whole stream in
/// advance, solved with OR-Tools GLOP. Variables: units of each order line from each node that
/// stocks the SKU at the start (x), and for orders of two or more lines the share of a parcel
/// from each node (y in [0, 1]). Minimise parcel costs * y + unit costs * x + penalty * units
/// not shipped, subject to: a line ships at most its quantity; a node ships at most its starting
/// stock of a SKU over the whole stream; a line's units from a node need that node's parcel
/// (x &lt;= quantity * y). A one-line order's parcel share is x / quantity at the optimum, so its
/// parcel cost is folded into the unit cost. Capacity, cutoffs and the parcel limit are left out.
/// <para>
/// Every strategy's run is an integer solution of this LP (same stock, same costs, same penalty,
/// and fewer constraints), so the bound is at most every strategy's total cost.
/// </para>
/// </summary>
internal static class HindsightBound
{
    public sealed record Result(double Bound, string Status, int Variables, int Constraints, TimeSpan Elapsed);

    public static Result Solve(BenchNetwork network, IReadOnlyList<BenchOrder> orders, decimal penalty)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        using var solver = Solver.CreateSolver("GLOP") ?? throw new InvalidOperationException("OR-Tools GLOP is not available.");
        var objective = solver.Objective();
        objective.SetMinimization();
        var p = (double)penalty;
        var constant = 0.0;
        var stockRows = new Dictionary<(int Node, int Sku), Constraint>();
        var variables = 0;

        Constraint StockRow(int node, int sku)
        {
            if (!stockRows.TryGetValue((node, sku), out var row))
            {
                row = solver.MakeConstraint(double.NegativeInfinity, network.Stock[node, sku]);
                stockRows[(node, sku)] = row;
            }
            return row;
        }

        foreach (var order in orders)
        {
            var quotes = new Dictionary<int, (double Parcel, double[] Unit)>();
            for (var n = 0; n < network.Nodes.Count; n++)
            {
                if (!order.Lines.Any(l => network.Stock[n, l.Sku] > 0))
                {
                    continue;
                }
                var node = network.Nodes[n];
                var quote = NodeBidding.Price(node.Location, node.Kind, order.ShipTo, order.OrderedAt, node.CutoffUtc).Quote;
                quotes[n] = ((double)quote.ShipmentCost, order.Lines.Select(_ => (double)quote.UnitCost).ToArray());
            }

            var single = order.Lines.Count == 1;
            var parcels = new Dictionary<int, Variable>();
            if (!single)
            {
                foreach (var (n, quote) in quotes)
                {
                    var y = solver.MakeNumVar(0, 1, "");
                    variables++;
                    objective.SetCoefficient(y, quote.Parcel);
                    parcels[n] = y;
                }
            }
            for (var l = 0; l < order.Lines.Count; l++)
            {
                var (sku, quantity) = order.Lines[l];
                constant += p * quantity;
                var demand = solver.MakeConstraint(double.NegativeInfinity, quantity);
                foreach (var (n, quote) in quotes)
                {
                    if (network.Stock[n, sku] <= 0)
                    {
                        continue;
                    }
                    var x = solver.MakeNumVar(0, quantity, "");
                    variables++;
                    var unit = quote.Unit[l] + (single ? quote.Parcel / quantity : 0);
                    objective.SetCoefficient(x, unit - p);
                    demand.SetCoefficient(x, 1);
                    StockRow(n, sku).SetCoefficient(x, 1);
                    if (!single)
                    {
                        var link = solver.MakeConstraint(double.NegativeInfinity, 0);
                        link.SetCoefficient(x, 1);
                        link.SetCoefficient(parcels[n], -quantity);
                    }
                }
            }
        }

        // Dual simplex on the problem as stated (not on its dual), with perturbed costs against
        // degeneracy: about twice as fast as GLOP's defaults on this LP (4000 orders: ~45 s against ~90 s).
        solver.SetSolverSpecificParametersAsString("solve_dual_problem:NEVER_DO use_dual_simplex:true perturb_costs_in_dual_simplex:true");
        var status = solver.Solve();
        var bound = status == Solver.ResultStatus.OPTIMAL ? objective.Value() + constant : double.NaN;
        return new Result(bound, status.ToString(), variables, solver.NumConstraints(), System.Diagnostics.Stopwatch.GetElapsedTime(started));
    }
}
