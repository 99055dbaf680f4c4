namespace HookRelay.Events;

public static partial class HooksCatalog
{
    private const string Pre = "pre";
    private const string Post = "post";
    private static readonly string[] PrePost = [Pre, Post];
    private static readonly string[] PostOnly = [Post];
    private static readonly string[] InstanceEnv = ["INSTANCE_*"];

    private static readonly HookPath[] Paths =
    [
        new("instance-migrate", "INSTANCE", ["OP_INSTANCE_MIGRATE"], PrePost, HookNodes.IncludesMaster,
            "master, primary, secondaries, target node",
            ["INSTANCE_*", "MIGRATE_LIVE", "MIGRATE_CLEANUP", "OLD_PRIMARY", "NEW_PRIMARY", "OLD_SECONDARY", "NEW_SECONDARY", "ALLOW_RUNTIME_CHANGES"]),
    ];
}
