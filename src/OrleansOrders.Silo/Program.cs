using OrleansOrders.Http;
using OrleansOrders.Silo.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddOrderGridSilo();
builder.Services.AddOrderGridHttp();

var app = builder.Build();
app.UseOrderGridHttp();
app.MapOrderGridApi();
app.MapOrderLifecycleApi();
app.MapStockFeedApi();
app.MapWebhooksApi();
app.Run();

/// <summary>Entry point; public so HTTP tests can host it with WebApplicationFactory.</summary>
public partial class Program;
