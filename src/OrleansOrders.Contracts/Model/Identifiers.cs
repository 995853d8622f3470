using System.Text.RegularExpressions;

namespace OrleansOrders.Contracts;

/// <summary>
/// Ids of orders, nodes, SKUs and reservations: 1 to 64 characters of letters, digits and
/// <c>. _ : -</c>, starting with a letter or digit. No '/', since stock grain keys are
/// <c>{nodeId}/{sku}</c>, and nothing that needs escaping in a URL path.
/// </summary>
public static partial class Identifiers
{
    public const int MaxLength = 64;

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    public static bool IsValid(string? id) => id is not null && Pattern().IsMatch(id);

    public static string StockKey(string nodeId, string sku) => $"{nodeId}/{sku}";

    /// <summary>Where a SKU's waiting list is stored beside the stock ledgers: '~' is in no id, so no stock key is ever this.</summary>
    public static string WaitingListKey(string sku) => $"~waiting/{sku}";

    /// <summary>Where a customer's order index is stored beside the stock ledgers (see <see cref="WaitingListKey"/>).</summary>
    public static string CustomerOrdersKey(string customerId) => $"~customer/{customerId}";

    /// <summary>Where a node's release wave list is stored beside the stock ledgers (see <see cref="WaitingListKey"/>).</summary>
    public static string ReleaseWaveKey(string nodeId) => $"~wave/{nodeId}";

    public static (string NodeId, string Sku) ParseStockKey(string key)
    {
        var slash = key.IndexOf('/');
        if (slash <= 0 || slash == key.Length - 1)
        {
            throw new ArgumentException($"Stock key '{key}' is not of the form '{{nodeId}}/{{sku}}'.", nameof(key));
        }
        return (key[..slash], key[(slash + 1)..]);
    }
}
