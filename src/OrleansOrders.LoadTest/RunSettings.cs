using OrleansOrders.LoadTest.Churn;
using OrleansOrders.LoadTest.Hosting;
using OrleansOrders.LoadTest.Load;
using OrleansOrders.LoadTest.Network;

namespace OrleansOrders.LoadTest;

/// <summary>Everything one <c>run</c> needs, already validated by the command.</summary>
public sealed record RunSettings
{
    public bool InProcess { get; init; }

    /// <summary>The running cluster to drive when not <see cref="InProcess"/>.</summary>
    public ClusterAddress Cluster { get; init; } = new();

    public string Scenario { get; init; } = Scenarios.Scenarios.Steady;

    /// <summary>Lines per order; null for the scenario's default.</summary>
    public int? Lines { get; init; }

    public LoadPlan Plan { get; init; } = new() { Duration = TimeSpan.FromSeconds(15) };

    /// <summary>Seed of the order streams.</summary>
    public int Seed { get; init; } = 1;

    public NetworkSpec Network { get; init; } = new();

    /// <summary>How long the raw ceiling is measured; zero skips it.</summary>
    public TimeSpan RawDuration { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>In-process only: count grain calls per order and their round trips during the load.</summary>
    public bool CallStats { get; init; }

    /// <summary>Stock receipts and order cancellations during the load; none by default.</summary>
    public ChurnPlan Churn { get; init; } = ChurnPlan.None;

    /// <summary>Directory for report.json, report.md, orders.txt and charts; null writes none.</summary>
    public string? OutDirectory { get; init; }
}
