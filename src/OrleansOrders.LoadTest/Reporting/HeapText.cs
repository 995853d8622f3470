using System.Globalization;
using OrleansOrders.LoadTest.Load;

namespace OrleansOrders.LoadTest.Reporting;

/// <summary>The live-heap checkpoints as one line of the console summary and the markdown report.</summary>
internal static class HeapText
{
    public static string Of(HeapCheckpoint? early, HeapCheckpoint end, double? growth)
    {
        var c = CultureInfo.InvariantCulture;
        var endText = string.Create(c, $"{end.LiveMb:N0} MB at the end ({end.PauseMs:N0} ms to collect)");
        var text = early is null
            ? endText
            : string.Create(c, $"{early.LiveMb:N0} MB at {early.AtSecond:0} s ({early.PauseMs:N0} ms to collect), ") + endText + string.Create(c, $": {growth:0.##}x");
        // The in-process grid's stored records are memory too, outside the GC heap: said beside it, not hidden.
        return end.StoredOutsideHeapMb > 0
            ? text + string.Create(c, $"; stored records outside the heap {early?.StoredOutsideHeapMb ?? 0:N0} MB at {early?.AtSecond ?? 0:0} s, {end.StoredOutsideHeapMb:N0} MB at the end")
            : text;
    }
}
