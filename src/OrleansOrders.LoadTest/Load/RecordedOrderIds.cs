using System.Collections;
using System.Collections.Concurrent;
using System.Globalization;

namespace OrleansOrders.LoadTest.Load;

/// <summary>
/// The order ids a load recorded for its audit. Ids the run's <see cref="OrderIds"/> made are kept as
/// their sequence numbers (8 bytes each) and any other id as given: kept as strings, the accepted ids
/// were about 80 bytes an order on the heap the run measures, and grew it with the run.
/// </summary>
public sealed class RecordedOrderIds(string runId) : IReadOnlyCollection<string>
{
    private readonly string _prefix = runId + "-";
    private readonly ConcurrentQueue<long> _numbered = new();
    private readonly ConcurrentQueue<string> _other = new();

    public int Count => _numbered.Count + _other.Count;

    public void Add(string orderId)
    {
        if (SequenceOf(orderId) is { } sequence)
        {
            _numbered.Enqueue(sequence);
        }
        else
        {
            _other.Enqueue(orderId);
        }
    }

    public IEnumerator<string> GetEnumerator()
    {
        foreach (var sequence in _numbered)
        {
            yield return OrderIds.Format(_prefix, sequence);
        }
        foreach (var orderId in _other)
        {
            yield return orderId;
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    // Only an id that formats back to itself is kept as a number (so "-0000012" and "-12" stay apart).
    private long? SequenceOf(string orderId) =>
        orderId.StartsWith(_prefix, StringComparison.Ordinal)
        && long.TryParse(orderId.AsSpan(_prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence)
        && OrderIds.Format(_prefix, sequence) == orderId
            ? sequence
            : null;
}
