namespace OrleansOrders.LoadTest.Tests; public class Placeholder { }
