using HookRelay.Events;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Events;

public class HooksCatalogTests
{
    private static readonly HashSet<string> Common = new(StringComparer.Ordinal)
    {
        "HOOKS_VERSION", "HOOKS_PATH", "HOOKS_PHASE", "OP_CODE", "OBJECT_TYPE", "OP_TARGET", "CLUSTER", "MASTER", "DATA_DIR",
    };

    public static TheoryData<string> Captures() => Fixtures.Captures();

    /// <summary>
    /// The path whose operation built the capture's environment: its own, except for config-update,
    /// which carries the environment of whichever operation changed the configuration.
    /// </summary>
    private static HookPath OperationPath(SortedDictionary<string, string> env)
    {
        var path = HooksCatalog.Find(env["GANETI_HOOKS_PATH"]);
        Assert.NotNull(path);
        if (path.Path != "config-update")
        {
            return path;
        }
        var opcode = env["GANETI_OP_CODE"];
        var operation = HooksCatalog.All.Where(p => p.OpCodes.Contains(opcode)).ToList();
        Assert.True(operation.Count == 1, $"config-update carries {opcode}, which {operation.Count} catalog paths list");
        return operation[0];
    }

    [Theory]
    [MemberData(nameof(Captures))]
    public void Catalog_knows_the_capture_s_path_phase_opcode_and_object(string capture)
    {
        var env = Fixtures.Env(capture);
        var path = HooksCatalog.Find(env["GANETI_HOOKS_PATH"]);
        Assert.NotNull(path);
        Assert.Contains(env["GANETI_HOOKS_PHASE"], path.Phases);
        var operation = OperationPath(env);
        Assert.Contains(env["GANETI_OP_CODE"], operation.OpCodes);
        // As corrected: the master-ip paths' GANETI_OBJECT_TYPE holds the cluster's name (ganeti/ganeti#1248).
        Assert.Equal(operation.ObjectType, HookEventParser.Parse(env, Fixtures.Node(capture)).ObjectType ?? "");
    }

    [Theory]
    [MemberData(nameof(Captures))]
    public void Catalog_lists_every_operation_variable_the_capture_has(string capture)
    {
        var env = Fixtures.Env(capture);
        var path = OperationPath(env);
        var missing = env.Keys
            .Where(k => k.StartsWith("GANETI_", StringComparison.Ordinal) && !k.StartsWith("GANETI_POST_", StringComparison.Ordinal))
            .Select(k => k["GANETI_".Length..])
            .Where(k => !Common.Contains(k))
            .Where(k => !(k.StartsWith("INSTANCE_", StringComparison.Ordinal) && path.ExtraVariables.Contains("INSTANCE_*")))
            .Where(k => !(k.StartsWith("NODE_TAGS_", StringComparison.Ordinal) && path.ExtraVariables.Contains("NODE_TAGS_<node>")))
            .Where(k => !path.ExtraVariables.Contains(k))
            .ToList();
        Assert.True(missing.Count == 0, $"{path.Path} does not declare {string.Join(", ", missing)}");
    }

    [Fact]
    public void Catalog_paths_are_unique_and_complete()
    {
        var names = HooksCatalog.All.Select(p => p.Path).ToList();
        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
        Assert.All(HooksCatalog.All, p => Assert.NotEmpty(p.Phases));
        // Every hooks path the Ganeti lab creates directories for, but the watcher (no GANETI_* environment).
        string[] lab = ["cluster-destroy", "cluster-init", "cluster-modify", "cluster-rename", "cluster-verify", "disk-grow",
            "group-add", "group-evacuate", "group-modify", "group-remove", "group-rename", "instance-add", "instance-change-group",
            "instance-export", "instance-failover", "instance-migrate", "instance-modify", "instance-move", "instance-reboot",
            "instance-recreate-disks", "instance-reinstall", "instance-remove", "instance-rename", "instance-start", "instance-stop",
            "mirrors-replace", "network-add", "network-connect", "network-disconnect", "network-modify", "network-remove", "node-add",
            "node-migrate", "node-modify", "node-remove", "master-ip-turnup", "master-ip-turndown", "config-update"];
        Assert.All(lab, p => Assert.NotNull(HooksCatalog.Find(p)));
    }
}
