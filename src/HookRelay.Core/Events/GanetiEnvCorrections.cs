namespace HookRelay.Events;

/// <summary>
/// Where Ganeti's own hook environment is wrong, the corrected reading, all in one place (each is
/// listed in docs/events.md with its Ganeti issue). The raw variables in <see cref="HookEvent.Env"/>
/// stay exactly as Ganeti gave them; only the typed fields are corrected.
/// </summary>
internal static class GanetiEnvCorrections
{
    /// <summary>Cluster, master and object type as the typed event carries them.</summary>
    public sealed record Identity(string? Cluster, string? Master, string? ObjectType);

    /// <summary>The object types Ganeti's hooks use (constants.HTYPE_*).</summary>
    private static readonly HashSet<string> ObjectTypes = new(StringComparer.Ordinal) { "CLUSTER", "NODE", "INSTANCE", "GROUP", "NETWORK" };

    public static Identity Read(EnvReader env, string hook)
    {
        var identity = new Identity(env.Get("GANETI_CLUSTER"), env.Get("GANETI_MASTER"), env.Get("GANETI_OBJECT_TYPE"));
        return ShiftedLocalHookArguments(hook, identity);
    }

    /// <summary>
    /// ganeti/ganeti#1248: backend.RunLocalHooks (the master-ip-turnup and master-ip-turndown
    /// hooks, the only ones fired on a master failover) builds its HooksMaster with the cluster
    /// name in the htype slot and the master's name in the cluster slot, so GANETI_OBJECT_TYPE holds
    /// the cluster's name, GANETI_CLUSTER the master's, and GANETI_MASTER is missing. Recognised by
    /// that shape, so an environment from a Ganeti that fixed it is read as it is.
    /// </summary>
    private static Identity ShiftedLocalHookArguments(string hook, Identity given) =>
        hook is "master-ip-turnup" or "master-ip-turndown"
            && given.Master is null
            && given.ObjectType is { Length: > 0 } objectType && !ObjectTypes.Contains(objectType)
                ? new Identity(Cluster: objectType, Master: given.Cluster, ObjectType: null)
                : given;
}
