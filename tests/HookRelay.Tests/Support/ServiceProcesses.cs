using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace HookRelay.Tests.Support;

/// <summary>What tests share for the real servers they start: a port of their own, and stopping by pid.</summary>
public static class ServiceProcesses
{
    /// <summary>A loopback port nobody listens on right now (the kernel's choice; released before the server binds it).</summary>
    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Stops a server this test started, by its pid, and waits for it.</summary>
    public static async Task StopAsync(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
        process.Dispose();
    }
}
