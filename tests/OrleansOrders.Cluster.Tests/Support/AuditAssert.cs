using OrleansOrders.Client.Auditing;

namespace OrleansOrders.Cluster.Tests.Support;

public static class AuditAssert
{
    public static void Clean(GridAuditor.Result result) =>
        Assert.True(result.Violations.Count == 0, "Invariant violations:\n" + string.Join("\n", result.Violations.Take(50)));
}
