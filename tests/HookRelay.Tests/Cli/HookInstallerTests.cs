using System.Text;
using HookRelay.Cli;
using HookRelay.Events;
using HookRelay.Rules;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Cli;

public sealed class HookInstallerTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly string _root;
    private readonly string _binary;

    public HookInstallerTests()
    {
        _root = Path.Combine(_dir.Path, "hooks");
        Directory.CreateDirectory(_root);
        _binary = _dir.File("hookrelay", "#!/bin/sh\n");
    }

    public void Dispose() => _dir.Dispose();

    private static HookRelayConfig Config(string routes) =>
        ConfigLoader.Parse(Encoding.UTF8.GetBytes($"sinks: {{ f: {{ type: file, path: /x }} }}\nroutes:\n{routes}"), "t.yaml");

    private static readonly HookRelayConfig LiveMigrations =
        Config("  - { name: r, matchers: ['hook=\"instance-migrate\"', 'phase=\"post\"'], to: [f] }\n");

    private HookInstaller Installer(string linkName = HookInstaller.DefaultLinkName) => new(_root, _binary, linkName);

    private void Install(HookRelayConfig config)
    {
        var installer = Installer();
        installer.Apply(installer.PlanInstall(HookInstaller.NeededDirectories(config)));
    }

    /// <summary>Every entry below the root with its kind and, for links, the target: what "as found" means.</summary>
    private List<string> Listing() =>
        [.. Directory.EnumerateFileSystemEntries(_root, "*", SearchOption.AllDirectories)
            .Select(p => new FileInfo(p))
            .Select(f => $"{Path.GetRelativePath(_root, f.FullName)} {(f.LinkTarget is { } t ? "-> " + t : (f.Attributes.HasFlag(FileAttributes.Directory) ? "dir" : "file"))}")
            .Order(StringComparer.Ordinal)];

    [Fact]
    public void Needs_exactly_the_directories_the_matchers_allow()
    {
        // The pre directory too: the pre run notes the start, so the post event carries the duration.
        Assert.Equal(["instance-migrate-post.d", "instance-migrate-pre.d"], HookInstaller.NeededDirectories(LiveMigrations));
        var instancePre = Config("  - { name: r, matchers: ['hook=~\"instance-(add|remove)\"', 'phase=\"pre\"', 'tag=\"x\"'], to: [f] }\n");
        Assert.Equal(["instance-add-pre.d", "instance-remove-pre.d"], HookInstaller.NeededDirectories(instancePre));
    }

    [Fact]
    public void A_route_without_matchers_needs_every_catalog_directory()
    {
        var needed = HookInstaller.NeededDirectories(Config("  - { name: r, to: [f] }\n"));
        var all = HooksCatalog.All.SelectMany(p => p.Phases.Select(phase => $"{p.Path}-{phase}.d"));
        Assert.Equal(all.Order(StringComparer.Ordinal), needed);
    }

    [Fact]
    public void A_route_for_gate_verdicts_needs_only_the_directories_a_gate_decides_in()
    {
        var config = ConfigLoader.Parse(Encoding.UTF8.GetBytes("""
            sinks: { f: { type: file, path: /x } }
            routes: [ { name: denials, matchers: ['verdict="deny"'], to: [f] } ]
            gates: [ { name: g, matchers: ['hook=~"instance-(add|modify)"'], deny_unless: { instance: x }, on_error: deny } ]
            """), "t.yaml");
        Assert.Equal(["instance-add-pre.d", "instance-modify-pre.d"], HookInstaller.NeededDirectories(config));
        // A negative matcher also holds where no gate decided: every directory again.
        var negative = ConfigLoader.Parse(Encoding.UTF8.GetBytes("""
            sinks: { f: { type: file, path: /x } }
            routes: [ { name: allowed, matchers: ['verdict!="deny"'], to: [f] } ]
            """), "t.yaml");
        Assert.Equal(HooksCatalog.All.Sum(p => p.Phases.Length), HookInstaller.NeededDirectories(negative).Count);
    }

    [Fact]
    public void Gates_need_only_pre_directories()
    {
        var config = ConfigLoader.Parse(Encoding.UTF8.GetBytes(
            "gates: [ { name: g, matchers: ['hook=\"instance-add\"'], deny_unless: { instance: x }, on_error: deny } ]\n"), "t.yaml");
        Assert.Equal(["instance-add-pre.d"], HookInstaller.NeededDirectories(config));
    }

    [Fact]
    public void Install_links_the_binary_and_is_idempotent()
    {
        Install(LiveMigrations);
        var link = new FileInfo(Path.Combine(_root, "instance-migrate-post.d", "hookrelay"));
        Assert.Equal(_binary, link.LinkTarget);
        var second = Installer().PlanInstall(HookInstaller.NeededDirectories(LiveMigrations));
        Assert.All(second, c => Assert.Equal(InstallStep.Unchanged, c.Step));
    }

    [Fact]
    public void A_foreign_file_in_the_way_is_a_conflict_and_nothing_changes()
    {
        var dir = Directory.CreateDirectory(Path.Combine(_root, "instance-migrate-post.d")).FullName;
        File.WriteAllText(Path.Combine(dir, "hookrelay"), "#!/bin/sh\necho site script\n");
        Directory.CreateDirectory(Path.Combine(_root, "instance-add-post.d"));
        var before = Listing();
        var plan = Installer().PlanInstall(HookInstaller.NeededDirectories(
            Config("  - { name: r, matchers: ['hook=~\"instance-(migrate|add)\"', 'phase=\"post\"'], to: [f] }\n")));
        Assert.Contains(plan, c => c.Step == InstallStep.Conflict && c.Path.EndsWith("instance-migrate-post.d/hookrelay", StringComparison.Ordinal));
        var e = Assert.Throws<InvalidOperationException>(() => Installer().Apply(plan));
        Assert.Contains("instance-migrate-post.d/hookrelay", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, Listing());
    }

    [Fact]
    public void A_foreign_symlink_named_hookrelay_is_not_ours()
    {
        var dir = Directory.CreateDirectory(Path.Combine(_root, "instance-migrate-post.d")).FullName;
        File.CreateSymbolicLink(Path.Combine(dir, "hookrelay"), "/usr/local/bin/site-notify");
        var plan = Installer().PlanInstall(HookInstaller.NeededDirectories(LiveMigrations));
        Assert.Contains(plan, c => c.Step == InstallStep.Conflict);
        Assert.Empty(Installer().PlanUninstall());
    }

    [Fact]
    public void Other_scripts_survive_install_and_uninstall()
    {
        var dir = Directory.CreateDirectory(Path.Combine(_root, "instance-migrate-post.d")).FullName;
        var site = Path.Combine(dir, "10-site-notify");
        File.WriteAllText(site, "#!/bin/sh\n");
        Install(LiveMigrations);
        Assert.True(File.Exists(site));
        Installer().Apply(Installer().PlanUninstall());
        Assert.True(File.Exists(site));
        Assert.False(File.Exists(Path.Combine(dir, "hookrelay")));
        Assert.True(Directory.Exists(dir));
    }

    [Fact]
    public void A_directory_no_longer_needed_loses_its_link_and_is_removed_only_if_hookrelay_created_it()
    {
        Directory.CreateDirectory(Path.Combine(_root, "instance-add-post.d"));
        Install(Config("  - { name: r, matchers: ['hook=~\"instance-(migrate|add)\"', 'phase=\"post\"'], to: [f] }\n"));
        Assert.True(File.Exists(Path.Combine(_root, "instance-migrate-post.d", "hookrelay")));

        Install(Config("  - { name: r, matchers: ['hook=\"disk-grow\"', 'phase=\"post\"'], to: [f] }\n"));
        Assert.False(Directory.Exists(Path.Combine(_root, "instance-migrate-post.d")));
        Assert.True(Directory.Exists(Path.Combine(_root, "instance-add-post.d")));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_root, "instance-add-post.d")));
        Assert.True(File.Exists(Path.Combine(_root, "disk-grow-post.d", "hookrelay")));
    }

    [Fact]
    public void Uninstall_leaves_the_hooks_root_as_it_was_found()
    {
        Directory.CreateDirectory(Path.Combine(_root, "instance-add-pre.d"));
        Directory.CreateDirectory(Path.Combine(_root, "empty-post.d"));
        File.WriteAllText(Path.Combine(_root, "instance-add-pre.d", "00-policy"), "#!/bin/sh\n");
        var before = Listing();
        Install(Config("  - { name: r, to: [f] }\n"));
        Assert.NotEqual(before, Listing());
        Installer().Apply(Installer().PlanUninstall());
        Assert.Equal(before, Listing());
    }

    [Fact]
    public void A_hooks_root_that_install_created_is_gone_after_uninstall()
    {
        Directory.Delete(_root);
        Install(LiveMigrations);
        Assert.True(File.Exists(Path.Combine(_root, "instance-migrate-post.d", "hookrelay")));
        Installer().Apply(Installer().PlanUninstall());
        Assert.False(Directory.Exists(_root));
    }

    [Fact]
    public void A_hooks_root_that_install_created_stays_while_someone_else_uses_it()
    {
        Directory.Delete(_root);
        Install(LiveMigrations);
        Directory.CreateDirectory(Path.Combine(_root, "instance-add-pre.d"));
        Installer().Apply(Installer().PlanUninstall());
        // The manifest stays, still naming the root, so a later uninstall removes it once it is empty.
        Assert.Equal([HookInstaller.ManifestName, "instance-add-pre.d"], Directory.GetFileSystemEntries(_root).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Directory.Delete(Path.Combine(_root, "instance-add-pre.d"));
        Installer().Apply(Installer().PlanUninstall());
        Assert.False(Directory.Exists(_root));
    }

    [Fact]
    public void A_link_to_an_older_binary_is_replaced()
    {
        var dir = Directory.CreateDirectory(Path.Combine(_root, "instance-migrate-post.d")).FullName;
        File.CreateSymbolicLink(Path.Combine(dir, "hookrelay"), "/opt/hookrelay-0.0.1/hookrelay");
        var plan = Installer().PlanInstall(HookInstaller.NeededDirectories(LiveMigrations));
        Assert.Contains(plan, c => c.Step == InstallStep.Relink);
        Installer().Apply(plan);
        Assert.Equal(_binary, new FileInfo(Path.Combine(dir, "hookrelay")).LinkTarget);
    }

    [Fact]
    public void A_binary_with_another_name_still_recognises_its_own_links()
    {
        var versioned = _dir.File("hookrelay-0.2.0", "#!/bin/sh\n");
        var installer = new HookInstaller(_root, versioned, HookInstaller.DefaultLinkName);
        installer.Apply(installer.PlanInstall(HookInstaller.NeededDirectories(LiveMigrations)));
        Assert.All(installer.PlanInstall(HookInstaller.NeededDirectories(LiveMigrations)), c => Assert.Equal(InstallStep.Unchanged, c.Step));
        Assert.Contains(installer.PlanUninstall(), c => c.Step == InstallStep.RemoveStaleLink);
    }

    [Theory]
    [InlineData("hookrelay", true)]
    [InlineData("50-hookrelay", true)]
    [InlineData("hookrelay.sh", false)]
    [InlineData("hook relay", false)]
    [InlineData("", false)]
    public void Link_names_must_be_ones_ganeti_runs(string name, bool valid) =>
        Assert.Equal(valid, HookInstaller.IsValidLinkName(name));
}
