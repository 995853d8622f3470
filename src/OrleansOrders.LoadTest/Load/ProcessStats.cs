using System.Diagnostics;

namespace OrleansOrders.LoadTest.Load;

/// <summary>What the process spent during a phase: CPU, garbage collections and their pauses.</summary>
public sealed record ProcessStats(double CpuSeconds, double WallSeconds, double CoresBusy, int Gen0, int Gen1, int Gen2, double GcPauseMs, double HeapMb)
{
    /// <summary>Starts measuring; <see cref="Capture.Stop"/> answers the difference.</summary>
    public static Capture Start() => new();

    public sealed class Capture
    {
        private readonly TimeSpan _cpu = Process.GetCurrentProcess().TotalProcessorTime;
        private readonly long _started = Stopwatch.GetTimestamp();
        private readonly int _gen0 = GC.CollectionCount(0);
        private readonly int _gen1 = GC.CollectionCount(1);
        private readonly int _gen2 = GC.CollectionCount(2);
        private readonly TimeSpan _pause = GC.GetTotalPauseDuration();

        public ProcessStats Stop()
        {
            var cpu = (Process.GetCurrentProcess().TotalProcessorTime - _cpu).TotalSeconds;
            var wall = Stopwatch.GetElapsedTime(_started).TotalSeconds;
            return new ProcessStats(
                Math.Round(cpu, 2), Math.Round(wall, 2), wall > 0 ? Math.Round(cpu / wall, 2) : 0,
                GC.CollectionCount(0) - _gen0, GC.CollectionCount(1) - _gen1, GC.CollectionCount(2) - _gen2,
                Math.Round((GC.GetTotalPauseDuration() - _pause).TotalMilliseconds, 1),
                Math.Round(GC.GetTotalMemory(false) / 1024.0 / 1024.0, 1));
        }
    }
}
