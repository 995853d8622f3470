using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using OrleansOrders.Contracts;
using OrleansOrders.Http.OpenApi;

namespace OrleansOrders.Http;

/// <summary>One line of a stock feed: set a level, add a receipt, or set a channel reserve.</summary>
public sealed record StockFeedLine(int LineNumber, string NodeId, string Sku, StockLevel? Level, int? Received)
{
    /// <summary>For a received line: the expected receipt it fulfils, also its operation id (received once per id).</summary>
    public string? ReceiptId { get; init; }

    /// <summary>A reserve line: sets <see cref="Reserve"/>, or clears the reserve when that is null.</summary>
    public bool SetsReserve { get; init; }

    public ChannelReserve? Reserve { get; init; }
}

public sealed record StockFeedError(int Line, string Error);

/// <summary>What a feed did: lines applied, lines rejected, and why each rejected line was.</summary>
public sealed record StockFeedReport(int Applied, int Rejected, IReadOnlyList<StockFeedError> Errors);

/// <summary>
/// Bulk stock feeds from an ERP or WMS, as CSV (header <c>nodeId,sku,onHand,safetyStock</c>,
/// <c>nodeId,sku,received</c> or <c>nodeId,sku,received,receiptId</c>, or <c>nodeId,sku,reserve,channels</c>
/// with channels separated by <c>;</c>) or JSON lines (<c>{"nodeId":..,"sku":..,"onHand":..,"safetyStock":..}</c>,
/// <c>{"nodeId":..,"sku":..,"received":..,"receiptId":..}</c> or <c>{"nodeId":..,"sku":..,"reserve":..,"channels":[..]}</c>).
/// A reserve of 0 clears the SKU's reserve. Every line is checked on its own: a bad line is reported
/// with its number, the good ones are applied, and no line is ever half-applied (each is one
/// idempotent stock operation; a level and a reserve are separate lines for that reason).
/// </summary>
public static class StockFeedParser
{
    public const int MaxLines = 100_000;

    /// <summary>Separates a reserve line's channels in CSV (a comma separates cells).</summary>
    public const char ChannelSeparator = ';';

    private static readonly string[][] Headers =
    [
        ["nodeid", "sku", "onhand", "safetystock"], ["nodeid", "sku", "onhand"],
        ["nodeid", "sku", "received"], ["nodeid", "sku", "received", "receiptid"],
        ["nodeid", "sku", "reserve", "channels"],
    ];

    public static (List<StockFeedLine> Lines, List<StockFeedError> Errors) Parse(string text, bool jsonLines)
    {
        var lines = new List<StockFeedLine>();
        var errors = new List<StockFeedError>();
        var rows = text.Replace("\r\n", "\n").Split('\n');
        if (rows.Length > MaxLines + 1)
        {
            errors.Add(new StockFeedError(0, $"A feed has at most {MaxLines} lines; split it."));
            return (lines, errors);
        }
        string[]? header = null;
        for (var i = 0; i < rows.Length; i++)
        {
            var number = i + 1;
            var row = rows[i].Trim();
            if (row.Length == 0 || row.StartsWith('#'))
            {
                continue;
            }
            if (!jsonLines && header is null)
            {
                header = row.Split(',').Select(h => h.Trim().ToLowerInvariant()).ToArray();
                if (!Headers.Any(header.SequenceEqual))
                {
                    errors.Add(new StockFeedError(number,
                        "The header must be 'nodeId,sku,onHand,safetyStock', 'nodeId,sku,onHand', 'nodeId,sku,received', 'nodeId,sku,received,receiptId' or 'nodeId,sku,reserve,channels'."));
                    return (lines, errors);
                }
                continue;
            }
            var (line, error) = jsonLines ? ParseJson(number, row) : ParseCsv(number, row, header!);
            if (error is not null)
            {
                errors.Add(new StockFeedError(number, error));
            }
            else
            {
                lines.Add(line!);
            }
        }
        return (lines, errors);
    }

    private static (StockFeedLine?, string?) ParseCsv(int number, string row, string[] header)
    {
        var cells = row.Split(',').Select(c => c.Trim()).ToArray();
        if (cells.Length != header.Length)
        {
            return (null, $"expected {header.Length} comma-separated values, found {cells.Length}.");
        }
        var numbers = new int?[cells.Length];
        for (var c = 2; c < cells.Length; c++)
        {
            if (header[c] is "receiptid" or "channels")
            {
                continue;
            }
            if (!int.TryParse(cells[c], NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                return (null, $"{header[c]} '{Clip(cells[c])}' is not a whole number of 0 or more.");
            }
            numbers[c] = value;
        }
        return header[2] switch
        {
            "received" => Build(number, cells[0], cells[1], null, null, numbers[2], header.Length > 3 && cells[3].Length > 0 ? cells[3] : null),
            "reserve" => BuildReserve(number, cells[0], cells[1], numbers[2],
                cells[3].Length == 0 ? [] : cells[3].Split(ChannelSeparator).Select(c => c.Trim()).ToList()),
            _ => Build(number, cells[0], cells[1], numbers[2], header.Length > 3 ? numbers[3] : 0, null),
        };
    }

    private static (StockFeedLine?, string?) ParseJson(int number, string row)
    {
        try
        {
            using var doc = JsonDocument.Parse(row);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, "each line must be one JSON object.");
            }
            string? Str(string name) => root.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
            int? Int(string name) => root.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.Number && p.TryGetInt32(out var v) ? v : null;
            bool Has(string name) => root.TryGetProperty(name, out _);
            foreach (var name in new[] { "onHand", "safetyStock", "received", "reserve" })
            {
                if (Has(name) && Int(name) is null)
                {
                    return (null, $"{name} must be a whole number.");
                }
            }
            if (new[] { Has("onHand"), Has("received"), Has("reserve") }.Count(has => has) > 1)
            {
                return (null, "a line does one thing: sets onHand, adds received units or sets a reserve.");
            }
            var hasReceiptId = root.TryGetProperty("receiptId", out var receiptId) && receiptId.ValueKind != JsonValueKind.Null;
            if (hasReceiptId && (!Has("received") || receiptId.ValueKind != JsonValueKind.String))
            {
                return (null, "receiptId must be a string, on a line of received units.");
            }
            if (Has("reserve"))
            {
                List<string>? channels = null;
                if (root.TryGetProperty("channels", out var list))
                {
                    if (list.ValueKind != JsonValueKind.Array || list.EnumerateArray().Any(c => c.ValueKind != JsonValueKind.String))
                    {
                        return (null, "channels must be an array of channel names.");
                    }
                    channels = list.EnumerateArray().Select(c => c.GetString()!).ToList();
                }
                return BuildReserve(number, Str("nodeId"), Str("sku"), Int("reserve"), channels ?? []);
            }
            return Has("received")
                ? Build(number, Str("nodeId"), Str("sku"), null, null, Int("received"), Str("receiptId"))
                : Build(number, Str("nodeId"), Str("sku"), Int("onHand"), Int("safetyStock") ?? 0, null);
        }
        catch (JsonException ex)
        {
            return (null, "not valid JSON: " + ex.Message);
        }
    }

    private static (StockFeedLine?, string?) Build(int number, string? nodeId, string? sku, int? onHand, int? safety, int? received, string? receiptId = null)
    {
        if (Ids(nodeId, sku) is { } bad)
        {
            return (null, bad);
        }
        if (received is not null)
        {
            if (receiptId is not null && !Identifiers.IsValid(receiptId))
            {
                return (null, $"receiptId '{Clip(receiptId)}' is not a valid id.");
            }
            return received is < 1 or > StockLevel.MaxUnits
                ? (null, $"received must be between 1 and {StockLevel.MaxUnits}.")
                : (new StockFeedLine(number, nodeId!, sku!, null, received) { ReceiptId = receiptId }, null);
        }
        if (onHand is null)
        {
            return (null, "onHand (or received, or reserve) is required.");
        }
        var level = new StockLevel(onHand.Value, safety ?? 0);
        var problems = level.Validate();
        return problems.Count > 0 ? (null, string.Join(" ", problems)) : (new StockFeedLine(number, nodeId!, sku!, level, null), null);
    }

    /// <summary>A reserve line: 0 clears the reserve (channels may then be empty), more needs 1-20 channels.</summary>
    private static (StockFeedLine?, string?) BuildReserve(int number, string? nodeId, string? sku, int? quantity, List<string> channels)
    {
        if (Ids(nodeId, sku) is { } bad)
        {
            return (null, bad);
        }
        if (quantity == 0)
        {
            return (new StockFeedLine(number, nodeId!, sku!, null, null) { SetsReserve = true }, null);
        }
        var reserve = new ChannelReserve(quantity ?? -1, channels);
        return reserve.Validate() is { } error
            ? (null, error)
            : (new StockFeedLine(number, nodeId!, sku!, null, null) { SetsReserve = true, Reserve = reserve }, null);
    }

    private static string? Ids(string? nodeId, string? sku) =>
        !Identifiers.IsValid(nodeId) ? $"nodeId '{Clip(nodeId)}' is not a valid id."
        : !Identifiers.IsValid(sku) ? $"sku '{Clip(sku)}' is not a valid id."
        : null;

    private static string Clip(string? text) => text is null ? "" : text.Length <= 40 ? text : text[..40] + "...";
}

public static class StockFeedApi
{
    private const int MaxBodyBytes = 8 * 1024 * 1024;

    /// <summary>POST /stock-feed with text/csv or application/x-ndjson; answers what was applied and every bad line.</summary>
    public static IEndpointRouteBuilder MapStockFeedApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/stock-feed", Import).WithTags("Nodes and stock")
            .Accepts<string>("text/csv", "application/x-ndjson")
            .Answers<StockFeedReport>("ImportStockFeed", "A bulk stock feed (CSV or JSON lines): good lines applied, bad ones reported by number",
                StatusCodes.Status400BadRequest, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType);
        return app;
    }

    private static async Task<IResult> Import(HttpRequest http, IGrainFactory grains, [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey)
    {
        var type = http.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        var jsonLines = type is "application/x-ndjson" or "application/jsonl" or "application/json-lines";
        if (!jsonLines && type != "text/csv")
        {
            return Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported feed format",
                detail: "Send text/csv or application/x-ndjson.");
        }
        if (http.ContentLength > MaxBodyBytes)
        {
            return Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Feed too large", detail: $"At most {MaxBodyBytes} bytes per feed.");
        }
        using var reader = new StreamReader(http.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync();
        var (lines, errors) = StockFeedParser.Parse(text, jsonLines);
        if (lines.Count == 0 && errors.Count == 0)
        {
            return Problems.Invalid(["The feed has no lines."]);
        }
        // Operation ids derive from the feed's content (or its Idempotency-Key), so posting the same feed again changes nothing.
        var feedId = idempotencyKey is not null && Identifiers.IsValid(idempotencyKey)
            ? idempotencyKey
            : Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..24];

        var applied = 0;
        var failures = new List<StockFeedError>(errors);
        foreach (var batch in lines.Chunk(64))
        {
            var results = await Task.WhenAll(batch.Select(async line =>
            {
                try
                {
                    var operationId = $"feed:{feedId}:{line.LineNumber}";
                    if (line.Level is { } level)
                    {
                        return await grains.Reference<IFulfilmentNodeGrain>(line.NodeId).SetStock(line.Sku, level, operationId) is null
                            ? $"node '{line.NodeId}' does not exist."
                            : null;
                    }
                    if (await grains.Reference<IFulfilmentNodeGrain>(line.NodeId).Get() is null)
                    {
                        return $"node '{line.NodeId}' does not exist.";
                    }
                    var stock = grains.Reference<IStockGrain>(Identifiers.StockKey(line.NodeId, line.Sku));
                    if (line.SetsReserve)
                    {
                        await stock.SetReserve(line.Reserve);
                    }
                    else
                    {
                        // Received under a receipt id: that id is the operation (once per receipt, whichever feed carries it).
                        await stock.Receive(line.ReceiptId ?? operationId, line.Received!.Value);
                    }
                    await grains.Reference<IFulfilmentNodeGrain>(line.NodeId).TrackSku(line.Sku);
                    return null;
                }
                catch (ArgumentException ex)
                {
                    return "not applied: " + GridErrors.Message(ex);
                }
                catch (Exception ex) when (ex is TimeoutException or OrleansException)
                {
                    return "not applied: " + ex.Message;
                }
            }));
            foreach (var (line, error) in batch.Zip(results))
            {
                if (error is null)
                {
                    applied++;
                }
                else
                {
                    failures.Add(new StockFeedError(line.LineNumber, error));
                }
            }
        }
        return Results.Ok(new StockFeedReport(applied, failures.Count, failures.OrderBy(e => e.Line).ToList()));
    }
}
