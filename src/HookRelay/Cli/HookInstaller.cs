using System.Text.RegularExpressions;
using HookRelay.Events;
using HookRelay.Hook;
using HookRelay.Rules;

namespace HookRelay.Cli;

public enum InstallStep
{
    CreateDirectory,
    Link,
    Relink,
    Unchanged,
    RemoveStaleLink,
    RemoveDirectory,
    Conflict,
}

public sealed record InstallChange(InstallStep Step, string Path, string? Detail = null);

/// <summary>The hook links of a node against what its configuration needs (<see cref="HookInstaller.Inspect"/>).</summary>
public sealed record LinkState(IReadOnlyList<InstallChange> Plan)
{
    public int InPlace => Plan.Count(c => c.Step == InstallStep.Unchanged);

    /// <summary>Links to make, mend or remove, and files in the way of one, in the plan's order.</summary>
    public IReadOnlyList<InstallChange> NotInPlace => [.. Plan.Where(c => c.Step is InstallStep.Link or InstallStep.Relink or InstallStep.RemoveStaleLink or InstallStep.Conflict)];
}

/// <summary>
/// Puts a symlink to the hookrelay binary into exactly the hooks directories the configuration
/// needs. A link is ours when it is a symlink to a file named "hookrelay" or "hookrelay-hook" (or named as the
/// binary being installed); anything else is
/// the operator's and is never replaced or removed. Directories it had to create are listed in
/// a manifest in the hooks root, so uninstall removes them again (when empty) and only them.
/// </summary>
public sealed partial class HookInstaller(string hooksRoot, string binary, string linkName)
{
    public const string DefaultHooksRoot = "/etc/ganeti/hooks";
    public const string DefaultLinkName = "hookrelay";
    public const string ManifestName = ".hookrelay-created-dirs";

    public static bool IsValidLinkName(string name) => GanetiScriptName().IsMatch(name);

    /// <summary>The hooks directories (e.g. "instance-migrate-post.d") some route, gate or action may apply in.</summary>
    public static SortedSet<string> NeededDirectories(HookRelayConfig config)
    {
        var needed = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var path in HooksCatalog.All)
        {
            foreach (var phase in path.Phases)
            {
                // A pre run is also needed where a route takes the post event: it notes the start, for the duration.
                if (Planner.MayRoute(config, path.Path, phase)
                    || (phase == "pre" && path.Phases.Contains("post") && Planner.WantsTiming(config, path.Path))
                    || Planner.MayBeGated(config, path.Path, phase)
                    || config.Actions.Any(a => a.Enabled && NodeActionTriggers.Find(a.Name) is { } t && t.MayRun(path.Path, phase)))
                {
                    needed.Add($"{path.Path}-{phase}.d");
                }
            }
        }
        return needed;
    }

    /// <summary>
    /// What `install` (default link name, hookrelay-hook beside this binary) would change under
    /// <paramref name="hooksRoot"/> for <paramref name="config"/>: nothing, on a node where every
    /// link is in place. What `version`, `cluster check` and `doctor` report.
    /// </summary>
    public static LinkState Inspect(HookRelayConfig config, string hooksRoot) =>
        new(new HookInstaller(hooksRoot, Path.GetFullPath(Binaries.Hook), DefaultLinkName).PlanInstall(NeededDirectories(config)));

    public IReadOnlyList<InstallChange> PlanInstall(IReadOnlySet<string> neededDirectories)
    {
        var changes = new List<InstallChange>();
        if (neededDirectories.Count > 0 && !Directory.Exists(hooksRoot))
        {
            // Recorded like the others, so uninstall removes the root too and leaves /etc/ganeti as found.
            changes.Add(new(InstallStep.CreateDirectory, hooksRoot));
        }
        foreach (var dir in neededDirectories)
        {
            var dirPath = Path.Combine(hooksRoot, dir);
            var link = Path.Combine(dirPath, linkName);
            if (!Directory.Exists(dirPath))
            {
                changes.Add(new(InstallStep.CreateDirectory, dirPath));
                changes.Add(new(InstallStep.Link, link, binary));
                continue;
            }
            var existing = new FileInfo(link);
            if (existing.LinkTarget is null && !existing.Exists)
            {
                changes.Add(new(InstallStep.Link, link, binary));
            }
            else if (!IsOurs(existing))
            {
                changes.Add(new(InstallStep.Conflict, link, "exists and was not created by hookrelay; rename it or pass --link-name"));
            }
            else
            {
                changes.Add(existing.LinkTarget == binary
                    ? new(InstallStep.Unchanged, link, binary)
                    : new(InstallStep.Relink, link, binary));
            }
        }
        changes.AddRange(PlanRemoval(keep: neededDirectories));
        return changes;
    }

    public IReadOnlyList<InstallChange> PlanUninstall() => PlanRemoval(keep: new HashSet<string>());

    private List<InstallChange> PlanRemoval(IReadOnlySet<string> keep)
    {
        var changes = new List<InstallChange>();
        if (!Directory.Exists(hooksRoot))
        {
            return changes;
        }
        var created = ReadManifest();
        foreach (var dirPath in Directory.GetDirectories(hooksRoot, "*.d").Order(StringComparer.Ordinal))
        {
            var dir = Path.GetFileName(dirPath);
            if (keep.Contains(dir))
            {
                continue;
            }
            var link = new FileInfo(Path.Combine(dirPath, linkName));
            var removesLink = IsOurs(link);
            if (removesLink)
            {
                changes.Add(new(InstallStep.RemoveStaleLink, link.FullName, link.LinkTarget));
            }
            var othersLeft = Directory.EnumerateFileSystemEntries(dirPath).Any(e => !(removesLink && e == link.FullName));
            if (created.Contains(dir) && !othersLeft)
            {
                changes.Add(new(InstallStep.RemoveDirectory, dirPath));
            }
        }
        var removed = changes.Where(c => c.Step == InstallStep.RemoveDirectory).Select(c => c.Path).ToHashSet(StringComparer.Ordinal);
        if (created.Contains(RootEntry) && keep.Count == 0
            && Directory.EnumerateFileSystemEntries(hooksRoot).All(e => removed.Contains(e) || Path.GetFileName(e) == ManifestName))
        {
            changes.Add(new(InstallStep.RemoveDirectory, hooksRoot));
        }
        return changes;
    }

    /// <summary>How the manifest names the hooks root itself, when install had to create it.</summary>
    private const string RootEntry = ".";

    private string ManifestEntry(string path) => path == hooksRoot ? RootEntry : Path.GetFileName(path);

    /// <summary>Applies a plan. Refuses the whole plan, touching nothing, when it holds a conflict.</summary>
    public void Apply(IReadOnlyList<InstallChange> changes)
    {
        if (changes.Any(c => c.Step == InstallStep.Conflict))
        {
            throw new InvalidOperationException("refusing to install: " + string.Join("; ", changes.Where(c => c.Step == InstallStep.Conflict).Select(c => $"{c.Path} {c.Detail}")));
        }
        var created = ReadManifest();
        foreach (var change in changes)
        {
            switch (change.Step)
            {
                case InstallStep.CreateDirectory:
                    Directory.CreateDirectory(change.Path);
                    created.Add(ManifestEntry(change.Path));
                    break;
                case InstallStep.Link:
                    File.CreateSymbolicLink(change.Path, binary);
                    break;
                case InstallStep.Relink:
                    // Replace atomically so Ganeti never finds the hook missing mid-install.
                    var temporary = change.Path + ".hookrelay-new";
                    File.Delete(temporary);
                    File.CreateSymbolicLink(temporary, binary);
                    File.Move(temporary, change.Path, overwrite: true);
                    break;
                case InstallStep.RemoveStaleLink:
                    File.Delete(change.Path);
                    break;
                case InstallStep.RemoveDirectory when change.Path == hooksRoot:
                    File.Delete(Path.Combine(hooksRoot, ManifestName));
                    Directory.Delete(hooksRoot);
                    return;
                case InstallStep.RemoveDirectory:
                    Directory.Delete(change.Path);
                    created.Remove(ManifestEntry(change.Path));
                    break;
            }
        }
        WriteManifest(created);
    }

    /// <summary>A symlink to a hookrelay executable: this one, or another build of it (which install replaces).</summary>
    private bool IsOurs(FileInfo file) =>
        file.LinkTarget is { } target
        && (Path.GetFileName(target) is DefaultLinkName or Binaries.HookName || Path.GetFileName(target) == Path.GetFileName(binary));

    private SortedSet<string> ReadManifest()
    {
        var path = Path.Combine(hooksRoot, ManifestName);
        return File.Exists(path)
            ? new SortedSet<string>(File.ReadAllLines(path).Where(l => l.Length > 0), StringComparer.Ordinal)
            : new SortedSet<string>(StringComparer.Ordinal);
    }

    private void WriteManifest(SortedSet<string> created)
    {
        var path = Path.Combine(hooksRoot, ManifestName);
        if (created.Count == 0)
        {
            File.Delete(path);
            return;
        }
        Directory.CreateDirectory(hooksRoot);
        File.WriteAllLines(path, created);
    }

    // Ganeti runs only files whose names match this; anything else is silently skipped.
    [GeneratedRegex("^[a-zA-Z0-9_-]+$")]
    private static partial Regex GanetiScriptName();
}
