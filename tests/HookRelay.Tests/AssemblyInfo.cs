// The code under test is Linux-only (it says so in its own AssemblyInfo); so are its tests.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
