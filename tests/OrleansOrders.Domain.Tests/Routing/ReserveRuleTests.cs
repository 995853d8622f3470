using static OrleansOrders.Routing.Tests.TestData;

namespace OrleansOrders.Routing.Tests;

[Trait("Category", "fast")]
public class ReserveRuleTests
{
    private static NodeOffer Store(int onOffer, int safety = 0, int reserved = 0, params string[] channels) =>
        Offer("Store", 1m, 0m, ("x", onOffer)) with
        {
            SafetyStock = new Dictionary<string, int> { ["x"] = safety },
            Reserves = new Dictionary<string, ProtectedReserve> { ["x"] = new(reserved, channels) },
        };

    [Fact]
    public void Safety_stock_is_never_sold()
    {
        Assert.Equal(7, ReserveRule.Sellable(Store(10, safety: 3), "web")["x"]);
        Assert.False(ReserveRule.Sellable(Store(3, safety: 3), "web").ContainsKey("x"));
    }

    [Fact]
    public void A_protected_reserve_is_sold_only_to_its_channels()
    {
        var store = Store(10, 0, 4, "store", "app");

        Assert.Equal(6, ReserveRule.Sellable(store, "web")["x"]);
        Assert.Equal(6, ReserveRule.Sellable(store, null)["x"]);
        Assert.Equal(10, ReserveRule.Sellable(store, "app")["x"]);
        Assert.Equal(6, ReserveRule.Sellable(store, "APP")["x"]); // channels match exactly
    }

    [Fact]
    public void Safety_stock_and_reserve_add_up_and_never_go_below_zero()
    {
        Assert.Equal(3, ReserveRule.Sellable(Store(10, safety: 2, reserved: 5, "store"), "web")["x"]);
        Assert.Empty(ReserveRule.Sellable(Store(4, safety: 2, reserved: 5, "store"), "web"));
        Assert.Equal(8, ReserveRule.Sellable(Store(10, safety: 2, reserved: 5, "store"), "store")["x"]);
        Assert.Equal(10, ReserveRule.Sellable(Store(10, safety: -4, reserved: -2, "store"), "web")["x"]);
        Assert.Empty(ReserveRule.Sellable(Store(-3), "store"));
    }

    [Fact]
    public void The_solver_takes_a_reserve_only_for_an_allowed_channel()
    {
        var offers = new[] { Store(5, 0, 4, "store"), Offer("Dc", 9m, 0m, ("x", 10)) };

        // Web may take 1 of the store's 5, so only the DC covers the order on its own.
        Assert.Equal("Dc[x:3]", Shape(AllocationSolver.Solve(Demand(("x", 3)), offers, new SolverOptions { Channel = "web" })));
        Assert.Equal("Store[x:3]", Shape(AllocationSolver.Solve(Demand(("x", 3)), offers, new SolverOptions { Channel = "store" })));
    }
}
