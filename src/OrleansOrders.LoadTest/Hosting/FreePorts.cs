using System.Net;
using System.Net.Sockets;

namespace OrleansOrders.LoadTest.Hosting;

/// <summary>Free loopback ports for an in-process silo, never the well-known ports of the dev silo and tests.</summary>
public static class FreePorts
{
    /// <summary>Orleans' defaults (11111, 30000) and the embedded silo's (22111, 40111).</summary>
    public static IReadOnlySet<int> Reserved { get; } = new HashSet<int> { 11111, 30000, 22111, 40111 };

    public static int[] Take(int count)
    {
        var ports = new List<int>(count);
        var listeners = new List<TcpListener>();
        try
        {
            while (ports.Count < count)
            {
                // Port 0 asks the OS for an ephemeral port; keep each open until all are chosen so they differ.
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                listeners.Add(listener);
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                if (!Reserved.Contains(port))
                {
                    ports.Add(port);
                }
            }
        }
        finally
        {
            foreach (var listener in listeners)
            {
                listener.Stop();
            }
        }
        return ports.ToArray();
    }
}
