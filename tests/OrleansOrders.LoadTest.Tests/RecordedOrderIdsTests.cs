using OrleansOrders.LoadTest.Load;
using Xunit;

namespace OrleansOrders.LoadTest.Tests;

[Trait("Category", "fast")]
public sealed class RecordedOrderIdsTests
{
    [Fact]
    public void Every_recorded_id_comes_back_exactly_once_whether_kept_as_a_number_or_as_given()
    {
        var ids = new OrderIds("lt-run-1");
        var recorded = new RecordedOrderIds(ids.RunId);
        var made = Enumerable.Range(0, 1_000).Select(_ => ids.Next()).ToList();
        // Ids of other runs or shapes, and ones that only look like the run's, stay strings.
        string[] others = ["lt-run-2-0000001", "lt-run-1-12", "lt-run-1-0000012x", "lt-run-1-+000001", "lt-run-1-", "pickup-7", "lt-run-1-12345678901"];
        foreach (var id in made.Concat(others))
        {
            recorded.Add(id);
        }

        Assert.Equal(made.Count + others.Length, recorded.Count);
        Assert.Equal(made.Concat(others).Order(StringComparer.Ordinal), recorded.Order(StringComparer.Ordinal));
    }
}
