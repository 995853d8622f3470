namespace OrleansOrders.Cluster.Tests.Support;

/// <summary>Three silos over a store that outlives them: for silo kills and storage faults.</summary>
public sealed class DurableClusterFixture() : GridClusterFixture(3, new SharedStore());
