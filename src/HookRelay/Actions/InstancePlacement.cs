using HookRelay.Sinks.Messages;

namespace HookRelay.Actions;

/// <summary>Where an instance is, as the run that triggered an action says it.</summary>
public static class InstancePlacement
{
    /// <summary>
    /// Whether the instance runs on this node after the run: this node is its primary and the run
    /// neither stopped nor removed it. Otherwise the node gives back what it held for it (CPUs,
    /// shaping): it stopped here, was removed, or left (a migration's old primary, a move's source).
    /// </summary>
    public static bool RunsHere(EventView trigger) =>
        trigger.Hook is not ("instance-stop" or "instance-remove") && trigger.List("node.roles").Contains(Events.NodeRoles.Primary);

    /// <summary>
    /// Skipped, with the reason, when the instance runs on another hypervisor than kvm: only
    /// kvm has a QEMU (and taps) for an action to act on. Null on kvm.
    /// </summary>
    /// <param name="kvmHas">What only kvm has, as the reason ends: "has a QEMU to tell".</param>
    public static ActionOutcome.Skipped? UnlessKvm(TriggerVariables env, string instance, string kvmHas) =>
        env["INSTANCE_HYPERVISOR"] is var hypervisor && hypervisor != "kvm"
            ? new ActionOutcome.Skipped($"{instance} runs on the {hypervisor ?? "unnamed"} hypervisor; only kvm {kvmHas}")
            : null;

    /// <summary>The instance's tags after the run (a modify may change them), as Ganeti lists them.</summary>
    public static IReadOnlyList<string> Tags(TriggerVariables env) =>
        (env["POST_INSTANCE_TAGS"] ?? env["INSTANCE_TAGS"] ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
