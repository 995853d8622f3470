using OrleansOrders.Http;
using OrleansOrders.Silo.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddOrderGridSilo();
builder.AddOrderGridHttp();
builder.AddGridOperations();

var app = builder.Build();
app.UseOrderGridHttp();
app.MapOrderGrid();
app.MapGridOperations();
app.Run();

/// <summary>Entry point; public so HTTP tests can host it with WebApplicationFactory.</summary>
public partial class Program;
