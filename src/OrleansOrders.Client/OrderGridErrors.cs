namespace OrleansOrders.Client;

/// <summary>Base of the errors the typed client raises for refusals; nothing was changed by the call.</summary>
public abstract class OrderGridException(string message) : Exception(message);

/// <summary>The request was malformed or named things the grid does not know.</summary>
public sealed class OrderGridValidationException(IReadOnlyList<string> errors)
    : OrderGridException(string.Join(" ", errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}

/// <summary>An order id was reused with a different payload.</summary>
public sealed class OrderGridConflictException(string message) : OrderGridException(message);

/// <summary>The order, node or SKU does not exist.</summary>
public sealed class OrderGridNotFoundException(string message) : OrderGridException(message);

/// <summary>The order has moved past the point where the action is allowed.</summary>
public sealed class OrderGridStateException(string message) : OrderGridException(message);
