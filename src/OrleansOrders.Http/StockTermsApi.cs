using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OrleansOrders.Contracts;
using OrleansOrders.Http.OpenApi;

namespace OrleansOrders.Http;

/// <summary>
/// A SKU's terms at a node beyond its stock level (operator role, under <c>/nodes</c>): the channel
/// reserve (units only the listed channels may take) and expected receipts (inbound supply that
/// backordered orders are promised dates from), and receiving a receipt. Every call answers the
/// stock snapshot; refusals are problem details (400 bad input, 404 unknown node) and change nothing.
/// Like <c>PUT /nodes/{nodeId}/stock/{sku}</c>, the node must exist but the SKU need not have a
/// level there yet (a first purchase order for a new SKU is normal). All calls are idempotent.
/// </summary>
public static class StockTermsApi
{
    public static IEndpointRouteBuilder MapStockTermsApi(this IEndpointRouteBuilder nodes)
    {
        const int Invalid = StatusCodes.Status400BadRequest, Unknown = StatusCodes.Status404NotFound;
        nodes.MapPut("/{nodeId}/stock/{sku}/reserve", SetReserve)
            .Answers<StockSnapshot>("SetReserve", "Keep units of a SKU at a node for the listed channels (0 clears)", Invalid, Unknown);
        nodes.MapDelete("/{nodeId}/stock/{sku}/reserve", ClearReserve)
            .Answers<StockSnapshot>("ClearReserve", "Clear a SKU's channel reserve at a node", Invalid, Unknown);
        nodes.MapPut("/{nodeId}/stock/{sku}/receipts/{receiptId}", ExpectReceipt)
            .Answers<StockSnapshot>("ExpectReceipt", "Expect a delivery of a SKU at a node on a date (PUT again replaces it)", Invalid, Unknown);
        nodes.MapDelete("/{nodeId}/stock/{sku}/receipts/{receiptId}", CancelReceipt)
            .Answers<StockSnapshot>("CancelReceipt", "Withdraw an expected receipt", Invalid, Unknown);
        nodes.MapPost("/{nodeId}/stock/{sku}/receipts/{receiptId}/receive", Receive)
            .Answers<StockSnapshot>("ReceiveReceipt", "Goods arrived: on hand rises, once per receipt id", Invalid, Unknown);
        return nodes;
    }

    private static Task<IResult> SetReserve(string nodeId, string sku, ReserveBody? body, IGrainFactory grains)
    {
        var errors = Ids(nodeId, sku);
        ChannelReserve? reserve = null;
        if (body?.Quantity is null)
        {
            errors.Add("quantity is required (0 clears the reserve, as DELETE does).");
        }
        else if (body.Quantity != 0) // 0 clears, whatever the channels (as in the stock feed)
        {
            reserve = body.ToReserve();
            if (reserve.Validate() is { } error)
            {
                errors.Add(error);
            }
        }
        return Apply(nodeId, sku, errors, grains, stock => stock.SetReserve(reserve));
    }

    private static Task<IResult> ClearReserve(string nodeId, string sku, IGrainFactory grains) =>
        Apply(nodeId, sku, Ids(nodeId, sku), grains, stock => stock.SetReserve(null));

    private static Task<IResult> ExpectReceipt(string nodeId, string sku, string receiptId, ExpectedReceiptBody? body, IGrainFactory grains)
    {
        var errors = Ids(nodeId, sku);
        errors.AddRange(ReceiptId(receiptId));
        if (body?.Quantity is null)
        {
            errors.Add("quantity is required.");
        }
        if (body?.ExpectedOn is null)
        {
            errors.Add("expectedOn is required (yyyy-MM-dd).");
        }
        else if (body.ParsedExpectedOn is null)
        {
            errors.Add("expectedOn must be a date as yyyy-MM-dd.");
        }
        var receipt = new ExpectedReceipt(receiptId, body?.Quantity ?? 0, body?.ParsedExpectedOn ?? default);
        if (errors.Count == 0 && receipt.Validate() is { } error)
        {
            errors.Add(error);
        }
        return Apply(nodeId, sku, errors, grains, stock => stock.ExpectReceipt(receipt));
    }

    private static Task<IResult> CancelReceipt(string nodeId, string sku, string receiptId, IGrainFactory grains)
    {
        var errors = Ids(nodeId, sku);
        errors.AddRange(ReceiptId(receiptId));
        return Apply(nodeId, sku, errors, grains, stock => stock.CancelReceipt(receiptId));
    }

    /// <summary>
    /// Goods arrived: on hand rises by the quantity, once per receipt id (the receipt id is the
    /// operation id, so a retry changes nothing), and an expected receipt of that id leaves the
    /// inbound list with the promises it covered.
    /// </summary>
    private static Task<IResult> Receive(string nodeId, string sku, string receiptId, ReceiveBody? body, IGrainFactory grains)
    {
        var errors = Ids(nodeId, sku);
        errors.AddRange(ReceiptId(receiptId));
        if (body?.Quantity is not (>= 1 and <= StockLevel.MaxUnits))
        {
            errors.Add($"quantity (the units received) must be between 1 and {StockLevel.MaxUnits}.");
        }
        return Apply(nodeId, sku, errors, grains, stock => stock.Receive(receiptId, body!.Quantity!.Value));
    }

    /// <summary>Refuses bad input before touching a grain, then 404 for an unknown node, then the change.</summary>
    private static async Task<IResult> Apply(string nodeId, string sku, List<string> errors, IGrainFactory grains, Func<IStockGrain, Task<StockSnapshot>> change)
    {
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }
        var node = grains.Reference<IFulfilmentNodeGrain>(nodeId);
        if (await node.Get() is null)
        {
            return Problems.NotFound($"Node '{nodeId}' does not exist.");
        }
        try
        {
            var snapshot = await change(grains.Reference<IStockGrain>(Identifiers.StockKey(nodeId, sku)));
            await node.TrackSku(sku); // listed with the node's inventory, as a stock level would be
            return Results.Ok(snapshot);
        }
        catch (ArgumentException ex)
        {
            // What only the stock grain can know: a receipt already received, too many receipts.
            return Problems.Invalid([GridErrors.Message(ex)]);
        }
    }

    private static List<string> Ids(string nodeId, string sku) =>
        Identifiers.IsValid(nodeId) && Identifiers.IsValid(sku) ? [] : ["nodeId and sku must be 1-64 letters, digits or . _ : -."];

    private static IEnumerable<string> ReceiptId(string receiptId) =>
        Identifiers.IsValid(receiptId) ? [] : ["receiptId must be 1-64 letters, digits or . _ : - and start with a letter or digit."];
}

public static partial class GridErrors
{
    /// <summary>
    /// A grain's validation message without .NET's " (Parameter 'x')" suffix (after a grain call the
    /// suffix is part of the message: the parameter name does not travel on its own).
    /// </summary>
    public static string Message(ArgumentException ex) => ParameterSuffix().Replace(ex.Message, "");

    [GeneratedRegex(@" \(Parameter '[^']*'\)$")]
    private static partial Regex ParameterSuffix();
}
