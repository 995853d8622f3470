using OrleansOrders.Http;
using OrleansOrders.Http.OpenApi;
using OrleansOrders.Silo.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddOrderGridSilo();
builder.AddOrderGridHttp();
builder.Services.AddGridOpenApi();
builder.AddGridOperations();

var app = builder.Build();
app.UseOrderGridHttp();
app.MapOrderGrid();
app.MapGridOpenApi();
app.MapGridOperations();
app.Run();

/// <summary>Entry point; public so HTTP tests can host it with WebApplicationFactory.</summary>
public partial class Program;
