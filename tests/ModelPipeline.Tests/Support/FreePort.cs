using System.Net;
using System.Net.Sockets;

namespace ModelPipeline.Tests.Support;

/// <summary>A 127.0.0.1 port nothing listens on (bound, then released).</summary>
public static class FreePort
{
    public static int Get()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
