namespace HookRelay.Sinks.Dns;

/// <summary>One NIC of an instance as DNS needs it, whether read from a hook event or from RAPI.</summary>
public sealed record DnsNic(int Index, string? Ip, string? Mac, string? Network, string? Subnet6);

/// <summary>An instance as DNS needs it: its name and NICs.</summary>
public sealed record DnsInstance(string Name, IReadOnlyList<DnsNic> Nics);
