namespace HookRelay.Sinks.NetBox;

/// <summary>How the sync maps Ganeti onto NetBox, from the sink's settings.</summary>
/// <param name="Cluster">NetBox's cluster for this Ganeti cluster; null: the one named as the Ganeti cluster.</param>
/// <param name="RemovedStatus">What a removed instance's VM becomes; null: it is deleted.</param>
/// <param name="Devices">Set the VM's host device to its primary node's device, where the cluster has one.</param>
/// <param name="Platforms">Set the VM's platform to one named as its OS, made when missing.</param>
/// <param name="Tags">Tag slugs every VM carries (others an operator adds are kept).</param>
public sealed record NetBoxOptions(string? Cluster, string? RemovedStatus, bool Devices, bool Platforms, IReadOnlyList<string> Tags)
{
    /// <summary>A VM in these states is one NetBox expects Ganeti to make: an add may take it over, and reconcile leaves it be.</summary>
    public static readonly IReadOnlyList<string> Expected = ["planned", "staged"];

    public const string InterfaceType = "virtualization.vminterface";
}
