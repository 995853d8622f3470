using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing;
using Microsoft.OpenApi;

namespace OrleansOrders.Http.OpenApi;

/// <summary>
/// Example request bodies, by operation name: the ones the README's curl lines send (a test holds
/// the two together), so a generated client's docs and the quick start show the same calls.
/// </summary>
public static class ApiExamples
{
    public static readonly IReadOnlyDictionary<string, IReadOnlyList<(string Summary, string Json)>> ByOperation =
        new Dictionary<string, IReadOnlyList<(string, string)>>
        {
            ["SubmitOrder"] =
            [
                ("Two lines to New York",
                    """{"orderId":"demo-1001","customerId":"cust-42","channel":"web","shipTo":{"latitude":40.7128,"longitude":-74.0060},"lines":[{"sku":"SKU-0001","quantity":2},{"sku":"SKU-0150","quantity":1}]}"""),
                ("Fastest, at most 2 parcels, with a two-piece kit",
                    """{"orderId":"demo-3001","customerId":"cust-42","channel":"web","shipTo":{"latitude":40.7128,"longitude":-74.0060},"routing":{"goal":"Fastest","shipComplete":false,"maxShipments":2},"lines":[{"sku":"SKU-0010","quantity":1,"kitId":"desk"},{"sku":"SKU-0011","quantity":1,"kitId":"desk"},{"sku":"SKU-0012","quantity":2}]}"""),
                ("With unit prices (refunds follow them)",
                    """{"orderId":"demo-2001","customerId":"cust-42","channel":"web","shipTo":{"latitude":40.7128,"longitude":-74.0060},"lines":[{"sku":"SKU-0002","quantity":2,"unitPrice":19.99}]}"""),
                ("One unit near Newark (the node reliability walk-through)",
                    """{"orderId":"demo-4001","customerId":"cust-42","channel":"web","shipTo":{"latitude":40.7128,"longitude":-74.0060},"lines":[{"sku":"SKU-0001","quantity":1}]}"""),
                ("A wholesale order: its parcel waits for its node's release wave",
                    """{"orderId":"wave-1","customerId":"cust-42","channel":"wholesale","shipTo":{"latitude":40.7128,"longitude":-74.0060},"lines":[{"sku":"SKU-0001","quantity":1}]}"""),
            ],
            ["CancelOrder"] = [("With a reason", """{"reason":"changed my mind"}""")],
            ["SetStock"] = [("On hand and safety stock", """{"onHand":120,"safetyStock":5}""")],
            ["UpdateNode"] =
            [
                ("Pause", """{"status":"Paused"}"""),
                ("Resume with a new daily capacity", """{"status":"Open","dailyCapacity":350}"""),
                ("Cutoff, priority and service radius", """{"cutoffUtc":"16:00","priority":2,"serviceRadiusKm":150}"""),
                ("Clear the cutoff and the radius", """{"clearCutoff":true,"clearServiceRadius":true}"""),
            ],
            ["SetReserve"] = [("5 units for store and pickup orders", """{"quantity":5,"channels":["store","pickup"]}""")],
            ["ExpectReceipt"] = [("200 units due on a date", """{"quantity":200,"expectedOn":"2030-01-15"}""")],
            ["ReceiveReceipt"] = [("The 200 units arrived", """{"quantity":200}""")],
            ["RejectShipment"] = [("The node cannot fulfil it (re-routed elsewhere)", """{"reason":"cannot fulfil"}""")],
            ["ShipShipment"] = [("Carrier and tracking number", """{"carrier":"UPS","trackingNumber":"1Z999AA10123456784"}""")],
            ["StartReturn"] = [("One unit back at a store", """{"returnId":"r1","channel":"store","reason":"too small","lines":[{"sku":"SKU-0002","quantity":1}]}""")],
            ["StartShadowRouting"] =
            [
                ("Fastest, opportunity cost off, without one DC", """{"name":"fastest-no-oc","goal":"Fastest","useOpportunityCost":false,"excludedNodes":["dc-chicago"]}"""),
            ],
            ["ReplayShadowRouting"] = [("At most 2 parcels, 3 bids", """{"name":"two-parcels","maxShipments":2,"candidateCount":3}""")],
            ["ReceiveReturn"] = [("Restocked at the store", """{"nodeId":"store-boston","items":[{"sku":"SKU-0002","quantity":1,"disposition":"Restock"}]}""")],
        };

    /// <summary>Puts the operation's examples on its JSON request body, when it has both.</summary>
    internal static void Attach(OpenApiOperation operation, OpenApiOperationTransformerContext context)
    {
        var name = context.Description.ActionDescriptor.EndpointMetadata.OfType<IEndpointNameMetadata>().FirstOrDefault()?.EndpointName;
        if (name is null || !ByOperation.TryGetValue(name, out var examples) ||
            operation.RequestBody?.Content?.TryGetValue("application/json", out var media) != true || media is null)
        {
            return;
        }
        media.Examples = examples.ToDictionary(
            e => e.Summary,
            e => (IOpenApiExample)new OpenApiExample { Summary = e.Summary, Value = JsonNode.Parse(e.Json) });
    }
}
