using OrleansOrders.Contracts;

namespace OrleansOrders.Http.Ops;

// What the operator JSON answers, as named records so the OpenAPI document has their schemas.

/// <summary>The sign-in form <c>POST /ops/login</c> reads.</summary>
/// <param name="Key">An API key with the operator role.</param>
/// <param name="ReturnUrl">A local path to go back to after signing in.</param>
public sealed record SignInForm(string Key, string? ReturnUrl);

/// <param name="Message">Why recent orders are not available, when they are not.</param>
public sealed record NodesOverview(IReadOnlyList<NodeSummary> Nodes, int RecentOrdersConsidered, bool RecentOrdersAvailable, string? Message);

public sealed record RecentOrdersView(bool Available, string? Message, IReadOnlyList<OrderExplained> Orders);

/// <summary>One page of network inventory: the nodes, and per SKU its totals and each node's cell.</summary>
public sealed record InventoryPage(IReadOnlyList<InventoryNode> Nodes, IReadOnlyList<InventorySku> Skus, int TotalSkus, int Offset, int Limit);

public sealed record InventoryNode(string NodeId, NodeStatus Status);

public sealed record InventorySku(string Sku, int OnHand, int Available, int Held, int Committed, IReadOnlyList<InventoryCell> Nodes);

public sealed record InventoryCell(string NodeId, int OnHand, int SafetyStock, int Available, int Held, int Committed);
