using OrleansOrders.Contracts;

namespace OrleansOrders.Grains.Diagnostics;

/// <summary>Does nothing but answer, so its call rate measures the messaging path alone.</summary>
public sealed class PingGrain : Grain, IPingGrain
{
    Task<int> IPingGrain.Ping(int value) => Task.FromResult(value + 1);
}
