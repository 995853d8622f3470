using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansOrders.Contracts;

namespace OrleansOrders.Grains.Orders;

/// <summary>
/// Activates every recovery shard once the silo is up, so each registers its reminder: orders write
/// their recovery entries beside their records and never call a shard, so nothing else would wake a
/// shard on a new cluster (reminders, once registered, outlive silos). In the background, retried: a
/// silo's start does not wait on it, and another silo's start does the same.
/// </summary>
public sealed class RecoveryShardsStart(IGrainFactory grains, IOptions<GridOptions> options, ILogger<RecoveryShardsStart> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(RecoveryShardsStart), ServiceLifecycleStage.Active, started =>
        {
            _ = StartShards();
            return Task.CompletedTask;
        });

    private async Task StartShards()
    {
        for (var attempt = 1; attempt <= 10; attempt++)
        {
            try
            {
                await Task.WhenAll(Enumerable.Range(0, options.Value.RecoveryShards).Select(shard =>
                    grains.Reference<IOrderRecoveryGrain>(shard).EnsureSweeping()));
                return;
            }
            catch (Exception ex) when (attempt < 10)
            {
                logger.LogDebug(ex, "Recovery shards not started yet (attempt {Attempt})", attempt);
                await Task.Delay(TimeSpan.FromSeconds(attempt));
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Recovery shards could not be started; the first sweep waits for a shard's first call");
            }
        }
    }
}
