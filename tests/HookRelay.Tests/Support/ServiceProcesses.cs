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
        // The kernel may give a port it just gave again once the probe closes: a server told to
        // listen on two ports taken one after the other (mosquitto's three listeners) then got
        // the same one twice. A port handed out once in this process is never handed out again.
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            if (HandedOut.TryAdd(port, 0))
            {
                return port;
            }
        }
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, byte> HandedOut = new();

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
