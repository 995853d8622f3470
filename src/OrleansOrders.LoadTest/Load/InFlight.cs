namespace OrleansOrders.LoadTest.Load;

/// <summary>Counts work in flight (open-loop orders, scheduled cancels), and waits for the last to finish.</summary>
internal sealed class InFlight
{
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _count = 1; // the owner's own reference (the dispatcher's, the scheduler's), dropped by DrainedAsync

    public int Count => Volatile.Read(ref _count) - 1;

    public void Enter() => Interlocked.Increment(ref _count);

    public void Leave()
    {
        if (Interlocked.Decrement(ref _count) == 0)
        {
            _drained.TrySetResult();
        }
    }

    public Task DrainedAsync()
    {
        Leave();
        return _drained.Task;
    }
}
