using OrleansOrders.Contracts;
using OrleansOrders.Orders;

namespace OrleansOrders.Grains.Orders;

public sealed partial class OrderGrain : IRemindable
{
    private const string PickupReminder = "pickup-window";

    async Task IRemindable.ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != PickupReminder)
        {
            return;
        }
        await FinishPending(); // which also closes pickups whose window has passed
        if (!S.Shipments.Any(s => s.Status == ShipmentStatus.ReadyForPickup))
        {
            var reminder = await this.GetReminder(PickupReminder);
            if (reminder is not null)
            {
                await this.UnregisterReminder(reminder);
            }
        }
    }

    /// <summary>
    /// Pickup parcels not collected within the window are cancelled: their units, still on the
    /// store's shelf, go back to available (the commitment is released). Runs at the start of every
    /// call and from the reminder, so the outcome does not depend on anyone calling.
    /// </summary>
    private async Task CloseExpiredPickups()
    {
        var now = clock.UtcNow;
        var expired = S.Shipments.Where(s => s.Status == ShipmentStatus.ReadyForPickup && s.CollectBy <= now).ToList();
        if (expired.Count == 0)
        {
            return;
        }
        var plan = Plan();
        plan.CloseUncollected(expired.Select(s => s.ShipmentId), parcel => $"not collected by {S.Shipments.First(s => s.ShipmentId == parcel.Id).CollectBy:u}");
        Take(plan, "system:pickup-window");
        TrackStep();
        await WriteOrReload();
    }
}
