namespace OrleansOrders.Contracts;

/// <summary>A trivial grain: its call rate is the raw ceiling that load tests compare order throughput with.</summary>
[Alias("oo.IPingGrain")]
public interface IPingGrain : IGrainWithIntegerKey
{
    [Alias("Ping")]
    Task<int> Ping(int value);
}
