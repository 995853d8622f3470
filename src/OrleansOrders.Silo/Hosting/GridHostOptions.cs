namespace OrleansOrders.Silo.Hosting;

/// <summary>How this silo joins a cluster; bound from the "Orleans" configuration section.</summary>
public sealed class GridHostOptions
{
    public const string SectionName = "Orleans";

    public string ClusterId { get; set; } = "orleans-orders-dev";

    /// <summary>Part of every storage key: keep it fixed for a deployment's lifetime.</summary>
    public string ServiceId { get; set; } = "OrleansOrders";

    public int SiloPort { get; set; } = 22111;

    public int GatewayPort { get; set; } = 40111;
}

/// <summary>The demo network seeded at start; bound from the "Demo" configuration section.</summary>
public sealed class DemoOptions
{
    public const string SectionName = "Demo";

    /// <summary>Seed the demo network (nodes, SKUs, stock) when the silo starts.</summary>
    public bool Seed { get; set; } = true;

    public int SkuCount { get; set; } = 200;
}
