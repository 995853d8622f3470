using System.Globalization;

namespace OrleansOrders.LoadTest.Reporting;

/// <summary>The churn rows of the console table and report.md, beside the routing figures: one text for both.</summary>
public static class ChurnText
{
    /// <summary>(name, value) rows for what of the churn the run had: none without --replenish-every, --cancel-share or release waves.</summary>
    public static IEnumerable<(string Name, string Value)> Rows(LoadReport r)
    {
        if (r.Receipts is { } receipts)
        {
            yield return ("stock receipts", string.Create(CultureInfo.InvariantCulture,
                $"{receipts.Receipts:N0} receipts of {receipts.UnitsEach:N0} units in {receipts.Rounds:N0} rounds every {receipts.Every} " +
                $"({receipts.Units:N0} units, {receipts.Failed:N0} failed)"));
        }
        if (r.Cancellations is { } cancellations)
        {
            yield return ("cancellations done / refused", string.Create(CultureInfo.InvariantCulture,
                $"{cancellations.Cancelled:N0} / {cancellations.Refused:N0} of {cancellations.Picked:N0} picked " +
                $"({cancellations.Share:0.##%}, {cancellations.After} after acceptance, {cancellations.Failed:N0} failed)"));
        }
        if (r.Waves is { } waves)
        {
            yield return ("release waves", string.Create(CultureInfo.InvariantCulture,
                $"{waves.ParcelsReleased:N0} parcels released from waves, {waves.OrdersReoptimised:N0} orders moved by the re-optimiser " +
                $"({waves.DrainedOrders:N0} orders still waiting at the end released then, {waves.DrainFailed:N0} failed)"));
        }
    }
}
