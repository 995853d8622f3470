namespace OrleansOrders.Nodes;

/// <summary>How a node's record is weighed and priced (see <see cref="NodeReliability"/>).</summary>
/// <param name="RerouteCost">What one rejected parcel costs the network: a new route, a later delivery, the handling wasted.</param>
/// <param name="LateCost">What one parcel dispatched after its promised day costs.</param>
/// <param name="HalfLife">After this long a fact counts half: a node's record forgives, and a node that mended its ways is believed.</param>
/// <param name="PriorParcels">Weight of the prior, in parcels: a node with a short record is judged mostly by the prior rates.</param>
/// <param name="PriorRejectRate">The reject rate a node with no record is assumed to have (and is priced at nothing extra).</param>
/// <param name="PriorLateRate">The same for late dispatch.</param>
/// <param name="PriorShortPickRate">The same for a short pick of one SKU.</param>
public sealed record ReliabilitySettings(
    decimal RerouteCost = 10.00m,
    decimal LateCost = 2.00m,
    TimeSpan? HalfLife = null,
    double PriorParcels = 20,
    double PriorRejectRate = 0.02,
    double PriorLateRate = 0.05,
    double PriorShortPickRate = 0.01)
{
    public static ReliabilitySettings Default { get; } = new();

    public TimeSpan EffectiveHalfLife => HalfLife ?? TimeSpan.FromHours(1);

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (RerouteCost < 0 || LateCost < 0)
        {
            errors.Add("Reliability costs must not be negative.");
        }
        if (EffectiveHalfLife <= TimeSpan.Zero)
        {
            errors.Add("The reliability half-life must be positive.");
        }
        if (!(PriorParcels > 0) || PriorRejectRate is < 0 or >= 1 || PriorLateRate is < 0 or >= 1 || PriorShortPickRate is < 0 or >= 1)
        {
            errors.Add("Reliability priors: a positive weight and rates in [0, 1).");
        }
        return errors;
    }
}

/// <summary>What a node's record says now: rates (with the prior), the score, and the facts behind them (decayed).</summary>
public sealed record ReliabilitySnapshot(
    double Score,
    double RejectRate,
    double LateRate,
    double BidTimeoutRate,
    double Parcels,
    double Rejected,
    double ShortPicked,
    double Shipped,
    double Late,
    double Bids,
    double BidTimeouts,
    int RejectedInARow,
    decimal ExpectedRejectCost,
    IReadOnlyDictionary<string, double> ShortPickRateBySku);

/// <summary>
/// One node's record of how it kept its promises, and what that record costs a bid. Facts: parcels
/// released to it, parcels (or lines) it rejected, short picks (a rejection because the stock was not
/// there, counted per SKU), shipments and which of them left after their promised day, bids answered
/// and bids that missed the router's deadline. Every count decays with <see cref="ReliabilitySettings.HalfLife"/>,
/// so the record is recent behaviour, bounded whatever the node's history.
/// </summary>
/// <remarks>
/// <para>Rates are smoothed towards the prior (a Beta prior of <see cref="ReliabilitySettings.PriorParcels"/>
/// parcels): one rejection out of one parcel is a hint, thirty out of a hundred is a fact.</para>
/// <para>Price (<see cref="RiskPerUnit"/>): the expected cost of a parcel going wrong,
/// (reject rate above the prior) x reroute cost + (late rate above the prior) x late cost, plus per SKU
/// (short-pick rate above the prior) x reroute cost. A node whose record is no worse than the prior
/// costs nothing extra, so a grid without bad nodes routes exactly as before. The amount is spread
/// over the units of the request (the SKU part over that SKU's units), so a parcel of the whole
/// request carries it once and a parcel of part of it carries its share.</para>
/// <para>The score is the chance a parcel goes through: (1 - reject) x (1 - late) x (1 - bid timeout), in [0, 1].</para>
/// <para>Not thread-safe; the node grain's single thread serialises it. Memory per node: the counters
/// and one entry per SKU with a recent short pick (entries that decayed away are dropped).</para>
/// </remarks>
public sealed class NodeReliability(ReliabilitySettings settings, DateTimeOffset now)
{
    private const double Forgotten = 0.01;
    private readonly Dictionary<string, SkuRecord> _skus = new(StringComparer.Ordinal);
    private DateTimeOffset _at = now;
    private double _parcels, _rejected, _shortPicked, _shipped, _late, _bids, _timeouts;

    public ReliabilitySettings Settings { get; } = settings;

    /// <summary>When the record last took a fact (or was aged to): the time its counts stand at.</summary>
    public DateTimeOffset AgedTo => _at;

    /// <summary>Parcels rejected (any reason) since the node last shipped one: a node that keeps rejecting.</summary>
    public int RejectedInARow { get; private set; }

    /// <summary>A parcel was released to the node (its capacity was claimed for it).</summary>
    public void ParcelReleased(DateTimeOffset at)
    {
        Decay(at);
        _parcels++;
    }

    /// <summary>
    /// The node rejected a parcel (or some of its lines). A short pick (<paramref name="shortPick"/>: the
    /// stock was not there) is counted against each SKU of <paramref name="skus"/>; any other rejection against the node.
    /// </summary>
    public void Rejected(DateTimeOffset at, IEnumerable<string> skus, bool shortPick)
    {
        Decay(at);
        RejectedInARow++;
        if (shortPick)
        {
            _shortPicked++;
            foreach (var sku in skus)
            {
                var record = Sku(sku, at);
                record.ShortPicks++;
            }
        }
        else
        {
            _rejected++;
        }
        _parcels = Math.Max(_parcels, _rejected + _shortPicked); // a parcel released to an earlier activation
    }

    /// <summary>The node shipped a parcel with these SKUs; <paramref name="late"/> when it left after its promised dispatch day.</summary>
    public void Shipped(DateTimeOffset at, IEnumerable<string> skus, bool late)
    {
        Decay(at);
        RejectedInARow = 0;
        _shipped++;
        _late += late ? 1 : 0;
        foreach (var sku in skus)
        {
            if (_skus.TryGetValue(sku, out var record))
            {
                record.DecayTo(at, Settings.EffectiveHalfLife);
                record.Shipped++;
            }
        }
    }

    /// <summary>The node answered a bid (in time, as far as it knows).</summary>
    public void BidAnswered(DateTimeOffset at)
    {
        Decay(at);
        _bids++;
    }

    /// <summary>A router gave up waiting for the node's bid.</summary>
    public void BidTimedOut(DateTimeOffset at)
    {
        Decay(at);
        _timeouts++;
    }

    /// <summary>Rejections not for missing stock, over parcels released, smoothed towards the prior.</summary>
    public double RejectRate => Smoothed(_rejected, _parcels, Settings.PriorRejectRate);

    public double LateRate => Smoothed(_late, _shipped, Settings.PriorLateRate);

    /// <summary>Bids that missed the deadline over bids asked (answered or not); no prior: a node that never timed out has none.</summary>
    public double BidTimeoutRate => _timeouts <= 0 ? 0 : _timeouts / (_timeouts + _bids + Settings.PriorParcels);

    /// <summary>The short-pick rate of <paramref name="sku"/> here: short picks over the parcels of it shipped or short-picked.</summary>
    public double ShortPickRate(string sku) =>
        _skus.TryGetValue(sku, out var r) ? Smoothed(r.ShortPicks, r.ShortPicks + r.Shipped, Settings.PriorShortPickRate) : Settings.PriorShortPickRate;

    /// <summary>The chance a parcel released here goes through: no rejection, not late, a bid that answered.</summary>
    public double Score => (1 - RejectRate) * (1 - LateRate) * (1 - BidTimeoutRate);

    /// <summary>The reject rate above the prior: the probability the router prices against the order's alternatives (0 for a node no worse than the prior).</summary>
    public double RejectExcess => (double)Excess(RejectRate, Settings.PriorRejectRate);

    /// <summary>The expected cost of a parcel going wrong at this node, SKUs aside (see the remarks), with a flat reroute cost.</summary>
    public decimal ExpectedParcelCost =>
        Excess(RejectRate, Settings.PriorRejectRate) * Settings.RerouteCost + Excess(LateRate, Settings.PriorLateRate) * Settings.LateCost;

    /// <summary>Whether any price can come of the record: false (the usual case) lets a bid skip <see cref="RiskPerUnit"/> altogether.</summary>
    public bool Priced => _skus.Count > 0 || ExpectedParcelCost > 0;

    /// <summary>
    /// Per SKU of the request, what one unit taken here adds to the routing objective for the risk of the
    /// parcel going wrong; empty when the node's record is no worse than the prior (the usual case).
    /// </summary>
    /// <param name="lines">The request's lines: SKU and quantity (a SKU once).</param>
    /// <param name="rejectsPricedByRouter">
    /// True when the router prices the node's rejections against the order's own alternatives
    /// (<see cref="RerouteRisk"/>, from <see cref="RejectExcess"/>): the parcel part is then the late risk alone.
    /// </param>
    public IReadOnlyDictionary<string, decimal> RiskPerUnit(IReadOnlyList<(string Sku, int Quantity)> lines, bool rejectsPricedByRouter = false)
    {
        var parcel = rejectsPricedByRouter ? Excess(LateRate, Settings.PriorLateRate) * Settings.LateCost : ExpectedParcelCost;
        var units = 0;
        var anySku = false;
        foreach (var (sku, quantity) in lines)
        {
            units += Math.Max(0, quantity);
            anySku |= _skus.ContainsKey(sku);
        }
        if (units == 0 || (parcel <= 0 && !anySku))
        {
            return Empty;
        }
        var risk = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var (sku, quantity) in lines)
        {
            if (quantity <= 0)
            {
                continue;
            }
            var amount = parcel / units + Excess(ShortPickRate(sku), Settings.PriorShortPickRate) * Settings.RerouteCost / quantity;
            if (amount > 0)
            {
                risk[sku] = Math.Round(amount, 4);
            }
        }
        return risk;
    }

    public ReliabilitySnapshot Snapshot(DateTimeOffset at)
    {
        Decay(at);
        return new ReliabilitySnapshot(
            Score, RejectRate, LateRate, BidTimeoutRate, _parcels, _rejected, _shortPicked, _shipped, _late, _bids, _timeouts,
            RejectedInARow, Math.Round(ExpectedParcelCost, 4),
            _skus.Keys.Order(StringComparer.Ordinal).Take(20).ToDictionary(s => s, ShortPickRate, StringComparer.Ordinal));
    }

    private static readonly IReadOnlyDictionary<string, decimal> Empty = new Dictionary<string, decimal>(StringComparer.Ordinal);

    private double Smoothed(double events, double trials, double prior) =>
        (events + prior * Settings.PriorParcels) / (Math.Max(trials, events) + Settings.PriorParcels);

    private static decimal Excess(double rate, double prior) => rate > prior ? (decimal)(rate - prior) : 0m;

    private SkuRecord Sku(string sku, DateTimeOffset at)
    {
        if (!_skus.TryGetValue(sku, out var record))
        {
            _skus[sku] = record = new SkuRecord { At = at };
        }
        record.DecayTo(at, Settings.EffectiveHalfLife);
        return record;
    }

    /// <summary>Ages every count to <paramref name="at"/> (a clock that steps back ages nothing), and drops SKUs decayed away.</summary>
    private void Decay(DateTimeOffset at)
    {
        if (at <= _at)
        {
            return;
        }
        var factor = Factor(at - _at, Settings.EffectiveHalfLife);
        _at = at;
        _parcels *= factor;
        _rejected *= factor;
        _shortPicked *= factor;
        _shipped *= factor;
        _late *= factor;
        _bids *= factor;
        _timeouts *= factor;
        if (factor < 0.5 && _skus.Count > 0)
        {
            // Only when a half-life passed since the last fact: a busy node does not scan its SKUs per bid.
            foreach (var (sku, record) in _skus.ToList())
            {
                record.DecayTo(at, Settings.EffectiveHalfLife);
                if (record.ShortPicks < Forgotten)
                {
                    _skus.Remove(sku);
                }
            }
        }
    }

    private static double Factor(TimeSpan elapsed, TimeSpan halfLife) => Math.Pow(0.5, elapsed / halfLife);

    private sealed class SkuRecord
    {
        public DateTimeOffset At;
        public double ShortPicks;
        public double Shipped;

        public void DecayTo(DateTimeOffset at, TimeSpan halfLife)
        {
            if (at <= At)
            {
                return;
            }
            var factor = Factor(at - At, halfLife);
            At = at;
            ShortPicks *= factor;
            Shipped *= factor;
        }
    }
}
