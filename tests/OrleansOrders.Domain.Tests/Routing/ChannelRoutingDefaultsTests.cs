namespace OrleansOrders.Routing.Tests;

[Trait("Category", "fast")]
public class ChannelRoutingDefaultsTests
{
    private static readonly ChannelRoutingDefaults Defaults = new(
        new SolverOptions { Objective = RoutingObjective.LowestCost, MaxShipments = 3 },
        new Dictionary<string, SolverOptions>
        {
            ["express"] = new() { Objective = RoutingObjective.Fastest, MaxShipments = 2 },
            ["marketplace"] = new() { Objective = RoutingObjective.Weighted, ShipComplete = true, AllowedFulfilment = new HashSet<FulfilmentType> { FulfilmentType.ShipToHome } },
        });

    [Fact]
    public void A_channel_gets_its_template_and_carries_its_name()
    {
        var options = Defaults.For("express");

        Assert.Equal(RoutingObjective.Fastest, options.Objective);
        Assert.Equal(2, options.MaxShipments);
        Assert.Equal("express", options.Channel);
    }

    [Fact]
    public void Unknown_and_missing_channels_get_the_fallback()
    {
        Assert.Equal(RoutingObjective.LowestCost, Defaults.For("web").Objective);
        Assert.Equal(3, Defaults.For(null).MaxShipments);
        Assert.Equal("web", Defaults.For("web").Channel);
        Assert.Null(Defaults.For(null).Channel);
    }

    [Fact]
    public void The_order_overrides_objective_ship_complete_and_parcel_limit_and_keeps_the_rest()
    {
        var options = Defaults.For("marketplace", RoutingObjective.StockBalance, shipComplete: false, maxShipments: 4);

        Assert.Equal(RoutingObjective.StockBalance, options.Objective);
        Assert.False(options.ShipComplete);
        Assert.Equal(4, options.MaxShipments);
        Assert.Equal([FulfilmentType.ShipToHome], options.AllowedFulfilment!);
    }
}
