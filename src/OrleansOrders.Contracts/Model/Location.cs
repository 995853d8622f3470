namespace OrleansOrders.Contracts;

/// <summary>A point in decimal degrees: where a node stands or where an order goes.</summary>
[GenerateSerializer, Immutable, Alias("oo.Location")]
public readonly record struct Location(
    [property: Id(0)] double Latitude,
    [property: Id(1)] double Longitude)
{
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsValid =>
        double.IsFinite(Latitude) && double.IsFinite(Longitude) &&
        Latitude is >= -90 and <= 90 && Longitude is >= -180 and <= 180;
}
