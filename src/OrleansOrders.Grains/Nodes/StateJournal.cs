using Microsoft.Extensions.Logging;
using Orleans.Storage;

namespace OrleansOrders.Grains;

/// <summary>A change to a grain's state that can be applied again on top of a reload and change nothing the second time.</summary>
public interface IJournaledChange<in TState>
{
    void ApplyTo(TState state);
}

/// <summary>
/// A state that names the write that stored it. With it, a write reported failed can be told apart
/// after the reload: landed (the stored stamp is that write's) or not; so changes need not be
/// idempotent (a counter may be incremented) and are still applied exactly once.
/// </summary>
public interface IWriteStamped
{
    Guid WriteStamp { get; set; }
}

/// <summary>
/// Persistence for a grain whose state is changed in memory and written later (soft state flushed by
/// a timer) or at once (changes a caller waits for). Every change is applied in memory and kept in
/// the journal until a write that carries it succeeds. When a write fails, the state is read again
/// and the journal re-applied on top: a refused write (stale ETag, because another activation wrote
/// or an earlier write landed without saying so) then carries on from the stored state instead of
/// being refused on every later attempt. For an <see cref="IWriteStamped"/> state the reload also tells
/// whether a write reported failed landed, and drops the changes it carried; otherwise every change
/// must be idempotent, since the stored state may already have it.
/// Not thread-safe by design: it runs on the grain's scheduler. Writes must not overlap (callers
/// that write are not interleaving); changes may be recorded while a write or a read is in flight.
/// </summary>
public sealed class StateJournal<TState>(IPersistentState<TState> state, Action<TState> afterRead, ILogger logger, string owner)
    where TState : class
{
    private readonly List<IJournaledChange<TState>> _journal = [];

    // Writes reported failed since the last known state: their stamps and how many journal entries
    // (from the start) each carried. A reload that finds one of the stamps knows that write landed.
    private readonly List<(Guid Stamp, int Carried)> _unconfirmed = [];

    // A change taken back out after a failed write stays applied in memory when the reload after it
    // fails too; until a reload succeeds, memory may show what storage does not have.
    private bool _stale;

    /// <summary>Changes not yet known to be durable.</summary>
    public int Pending => _journal.Count;

    /// <summary>Keeps a change already applied in memory until a write carries it.</summary>
    public void Record(IJournaledChange<TState> change) => _journal.Add(change);

    /// <summary>
    /// Applies a change the caller waits for and writes it. A stale ETag reloads (re-applying the
    /// journal) and writes once more; any other failure, or a second refusal, takes the change back
    /// out, reloads and fails the caller: the outcome is unknown to it, and its retry is idempotent.
    /// </summary>
    public async Task WriteNowAsync(IJournaledChange<TState> change)
    {
        await EnsureCurrentAsync();
        change.ApplyTo(state.State);
        _journal.Add(change);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await WriteAsync();
                return;
            }
            catch (InconsistentStateException ex) when (attempt == 1)
            {
                logger.LogWarning(ex, "{Owner}: write refused (stale ETag); reloading and writing again", owner);
                try
                {
                    await ReloadAsync();
                }
                catch
                {
                    TakeBack(change);
                    throw;
                }
            }
            catch (Exception)
            {
                if (await LandedAfterAllAsync(change))
                {
                    return; // reported failed, but the reload shows it stored
                }
                TakeBack(change);
                throw;
            }
        }
    }

    /// <summary>After a write reported failed: reloads, and answers whether the reload showed that the write carrying <paramref name="change"/> landed.</summary>
    private async Task<bool> LandedAfterAllAsync(IJournaledChange<TState> change)
    {
        await TryReloadAsync();
        return !_stale && !_journal.Contains(change);
    }

    /// <summary>
    /// Takes a change whose write failed back out of the journal unless a reload showed it landed: the
    /// caller is told it failed and retries. It may still be applied in memory, so the next caller reloads first.
    /// </summary>
    private void TakeBack(IJournaledChange<TState> change)
    {
        var at = _journal.IndexOf(change);
        if (at < 0)
        {
            return; // the write landed after all (a reload found its stamp)
        }
        _journal.RemoveAt(at);
        for (var i = 0; i < _unconfirmed.Count; i++)
        {
            if (_unconfirmed[i].Carried > at)
            {
                _unconfirmed[i] = (_unconfirmed[i].Stamp, _unconfirmed[i].Carried - 1);
            }
        }
        _stale = true;
    }

    /// <summary>
    /// Before a caller decides on what memory shows (is the order already waiting?): if a failed write
    /// left a change in memory that storage may not have, read the state again first; throws while
    /// storage is still unreachable, so the caller fails rather than answering from a change that was
    /// never written.
    /// </summary>
    public async Task EnsureCurrentAsync()
    {
        if (_stale)
        {
            await ReloadAsync();
        }
    }

    /// <summary>Writes what the journal holds, if anything; a failure reloads (so the next attempt has a current ETag) and is not retried here.</summary>
    public async Task FlushAsync()
    {
        if (_journal.Count == 0)
        {
            return;
        }
        try
        {
            await WriteAsync();
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "{Owner}: flush failed; reloading, the next flush tries again", owner);
            await TryReloadAsync();
        }
    }

    /// <summary>Writes the state; the changes recorded before it started are durable after it.</summary>
    private async Task WriteAsync()
    {
        var carried = _journal.Count;
        var stamp = Guid.NewGuid();
        if (state.State is IWriteStamped stamped)
        {
            stamped.WriteStamp = stamp;
        }
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            _unconfirmed.Add((stamp, carried));
            throw;
        }
        _journal.RemoveRange(0, carried);
        _unconfirmed.Clear(); // the stored state is this write's: any earlier attempt is settled
    }

    /// <summary>
    /// Reads the stored state and re-applies the journal on top (changes recorded during the read
    /// included), except what a write reported failed carried when the stored state shows it landed.
    /// </summary>
    private async Task ReloadAsync()
    {
        await state.ReadStateAsync();
        if (state.State is IWriteStamped stored && _unconfirmed.FindLastIndex(u => u.Stamp == stored.WriteStamp) is var landed and >= 0)
        {
            _journal.RemoveRange(0, _unconfirmed[landed].Carried);
        }
        _unconfirmed.Clear();
        afterRead(state.State);
        foreach (var change in _journal)
        {
            change.ApplyTo(state.State);
        }
        _stale = false;
    }

    private async Task TryReloadAsync()
    {
        try
        {
            await ReloadAsync();
        }
        catch (Exception ex)
        {
            // Memory still holds every change, and perhaps one taken back out: the next caller reloads first.
            _stale = true;
            logger.LogWarning(ex, "{Owner}: state reload failed", owner);
        }
    }
}
