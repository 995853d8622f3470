namespace OrleansOrders.LoadTest.Network;

/// <summary>
/// Zipf popularity over ranks 0..n-1: rank k is drawn with probability proportional to
/// 1/(k+1)^s. With s = 1 and 500 SKUs the top SKU takes about 15% of draws, the median one 0.03%.
/// Sampling is a binary search over the precomputed cumulative distribution.
/// </summary>
public sealed class Zipf
{
    private readonly double[] _cumulative;

    public Zipf(int n, double exponent = 1.0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        ArgumentOutOfRangeException.ThrowIfNegative(exponent);
        _cumulative = new double[n];
        double sum = 0;
        for (var k = 0; k < n; k++)
        {
            sum += 1.0 / Math.Pow(k + 1, exponent);
            _cumulative[k] = sum;
        }
        for (var k = 0; k < n; k++)
        {
            _cumulative[k] /= sum;
        }
        _cumulative[n - 1] = 1.0;
    }

    public int Count => _cumulative.Length;

    /// <summary>Probability of drawing <paramref name="rank"/>.</summary>
    public double Probability(int rank) => rank == 0 ? _cumulative[0] : _cumulative[rank] - _cumulative[rank - 1];

    public int Sample(Random random)
    {
        var u = random.NextDouble();
        var index = Array.BinarySearch(_cumulative, u);
        // BinarySearch answers the complement of the first larger element when u is not present.
        return index >= 0 ? index : Math.Min(~index, _cumulative.Length - 1);
    }
}
