// HookRelay runs where Ganeti runs: Linux. Saying so lets the analyzers accept Unix-only APIs
// (file modes, posix_spawn, unix sockets) without a platform check at every call.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
