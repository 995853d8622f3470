using OrleansOrders.Contracts;
using OrleansOrders.LoadTest.Network;

namespace OrleansOrders.LoadTest.Tests;

[Trait("Category", "fast")]
public class SyntheticNetworkTests
{
    [Fact]
    public void Same_spec_gives_the_same_network_and_another_seed_another()
    {
        var a = SyntheticNetwork.Generate(new NetworkSpec(7, 20, 120));
        var b = SyntheticNetwork.Generate(new NetworkSpec(7, 20, 120));
        var c = SyntheticNetwork.Generate(new NetworkSpec(8, 20, 120));

        Assert.Equal(a.Nodes, b.Nodes);
        Assert.Equal(a.Stock, b.Stock);
        Assert.NotEqual(a.Nodes.Select(n => n.Location), c.Nodes.Select(n => n.Location));
        Assert.NotEqual(a.Stock.Select(s => s.Level.OnHand), c.Stock.Select(s => s.Level.OnHand));
    }

    [Theory]
    [InlineData(3, 1)]
    [InlineData(24, 500)]
    [InlineData(40, 60)]
    public void Has_every_kind_valid_profiles_and_every_sku_stocked(int nodes, int skus)
    {
        var network = SyntheticNetwork.Generate(new NetworkSpec(1, nodes, skus));

        Assert.Equal(nodes, network.Nodes.Count);
        Assert.Equal(nodes, network.Nodes.Select(n => n.NodeId).Distinct().Count());
        Assert.All(Enum.GetValues<NodeKind>(), kind => Assert.Contains(network.Nodes, n => n.Kind == kind));
        Assert.All(network.Nodes, n => Assert.Empty(n.Validate()));
        Assert.All(network.Nodes, n => Assert.InRange(n.Location.Latitude, 24, 50));
        Assert.All(network.Nodes, n => Assert.InRange(n.Location.Longitude, -126, -66));
        Assert.Equal(skus, network.Skus.Count);
        Assert.Equal(network.Skus.ToHashSet(), network.Stock.Select(s => s.Sku).ToHashSet());
        Assert.All(network.Stock, s => Assert.Empty(s.Level.Validate()));
        Assert.All(network.Stock, s => Assert.True(s.Level.OnHand > s.Level.SafetyStock));
        Assert.Equal(network.Stock.Count, network.StockKeys.Distinct().Count());
        Assert.All(network.Nodes.Select(n => n.NodeId).Concat(network.Skus), id => Assert.True(Identifiers.IsValid(id), id));
    }

    [Fact]
    public void Popular_skus_are_stocked_deeper()
    {
        var network = SyntheticNetwork.Generate(new NetworkSpec(1, 24, 500));
        int Units(string sku) => network.Stock.Where(s => s.Sku == sku).Sum(s => s.Level.OnHand);

        Assert.True(Units(network.Skus[0]) > 3 * Units(network.Skus[250]));
    }

    [Theory]
    [InlineData(2, 10)]
    [InlineData(10, 0)]
    [InlineData(2001, 10)]
    [InlineData(2000, 2000)]
    public void Refuses_specs_out_of_range(int nodes, int skus)
    {
        Assert.NotEmpty(new NetworkSpec(1, nodes, skus).Validate());
        Assert.Throws<ArgumentException>(() => SyntheticNetwork.Generate(new NetworkSpec(1, nodes, skus)));
    }
}
