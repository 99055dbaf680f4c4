using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using HookRelay.Events;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Hook;

/// <summary>
/// The lean hook is what Ganeti starts at every hook, on every node: it is built from
/// HookRelay.Core alone so that the HTTP stack, mail, the command line and the coming broker
/// clients cannot reach it. These lists are what the hook is allowed to carry; a new entry is a
/// decision (does every hook run need it?), not a formality. Daemon-only libraries belong in
/// src/HookRelay.
/// </summary>
public partial class HookBoundaryTests
{
    private static readonly string[] CoreMayReference =
    [
        "System.Runtime", "System.Collections", "System.Collections.Concurrent", "System.Linq", "System.Memory",
        "System.Console", "System.Text.Json", "System.Text.RegularExpressions", "System.Text.Encodings.Web",
        "System.Runtime.InteropServices", "System.Runtime.Intrinsics", "System.Threading", "System.Threading.Thread",
        "System.Security.Cryptography", "System.Net.Primitives", "System.Net.Sockets", "System.Data.Common",
        "System.ComponentModel.Primitives", "System.Diagnostics.Process", "System.ObjectModel",
        "System.Text.Encoding.Extensions", "System.IO.FileSystem.DriveInfo", "System.IO.Hashing", "YamlDotNet", "Microsoft.Data.Sqlite", "SQLitePCLRaw.core", "SQLitePCLRaw.provider.sqlite3",
    ];

    private static readonly string[] HookImageMayHold =
    [
        "hookrelay-hook", "HookRelay.Core",
        "System.Private.CoreLib", "System.Private.TypeLoader", "System.Private.Reflection.Execution",
        "System.Private.StackTraceMetadata", "System.Private.Uri", "System.Runtime", "System.Collections",
        "System.Collections.Concurrent", "System.Linq", "System.Memory", "System.Console", "System.ObjectModel",
        "System.Text.Json", "System.Text.Encodings.Web", "System.Text.RegularExpressions", "System.Security.Cryptography",
        // Not System.Net.Sockets, System.Net.NameResolution nor System.Diagnostics.DiagnosticSource:
        // the hook sends its datagrams and reads the host name through libc (Posix/).
        "System.Net.Primitives", "System.Data.Common",
        "System.ComponentModel.Primitives", "System.ComponentModel.TypeConverter",
        "System.IO.FileSystem.DriveInfo", "System.IO.Pipelines", "System.IO.Hashing",
        "YamlDotNet", "Microsoft.Data.Sqlite", "SQLitePCLRaw.core", "SQLitePCLRaw.provider.sqlite3",
    ];

    // Sized from the image published when the boundary was drawn (7.3 MB): room for the hook to
    // grow by what it needs, not by a library it does not.
    private const long HookImageBudgetBytes = 8L * 1024 * 1024;

    [Fact]
    public void Core_references_only_what_every_hook_run_may_load()
    {
        var referenced = typeof(HookEvent).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();

        Assert.Contains("YamlDotNet", referenced);
        Assert.Empty(referenced.Except(CoreMayReference, StringComparer.Ordinal));
    }

    [Fact]
    public void Hook_assembly_references_core_and_the_runtime_only()
    {
        var hook = Assembly.LoadFrom(Path.Combine(AppContext.BaseDirectory, "hookrelay-hook.dll"));
        var referenced = hook.GetReferencedAssemblies().Select(a => a.Name!).ToList();

        Assert.Contains("HookRelay.Core", referenced);
        Assert.DoesNotContain("hookrelay", referenced);
        Assert.Empty(referenced.Except(["HookRelay.Core", .. CoreMayReference], StringComparer.Ordinal));
    }

    [Fact]
    public void Published_hook_image_holds_no_assembly_outside_its_list()
    {
        var held = AssembliesIn(RequiredService.HookBinary());

        Assert.Contains("HookRelay.Core", held);
        Assert.Equal([], held.Where(name => !HookImageMayHold.Any(allowed => IsNamed(name, allowed))).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Published_full_binary_holds_the_daemon_libraries_the_hook_must_not()
    {
        // The same reading finds them where they belong, so the test above cannot pass by reading nothing.
        var held = AssembliesIn(RequiredService.HookRelayBinary());

        Assert.Contains(held, name => IsNamed(name, "MailKit"));
        Assert.Contains(held, name => IsNamed(name, "System.Net.Http"));
        Assert.Contains(held, name => IsNamed(name, "System.CommandLine"));
    }

    [Theory]
    [InlineData("FetchMoreTokens", "YamlDotNet's scanner: the hook reads no YAML text (Rules/ConfigText.cs)")]
    [InlineData("SaveSimpleKey", "YamlDotNet's scanner: the hook reads no YAML text (Rules/ConfigText.cs)")]
    [InlineData("SymbolicRegexMatcher", "the non-backtracking regex engine: the hook's regexes take no options (Rules/BoundedRegex.cs)")]
    public void Published_hook_image_carries_no_code_it_never_runs(string method, string what)
    {
        // The names stack traces keep; the full binary holds both, so the reading finds them where they are.
        Assert.True(Holds(RequiredService.HookRelayBinary(), method), $"hookrelay holds no {method}: the reading is wrong");
        Assert.False(Holds(RequiredService.HookBinary(), method), $"hookrelay-hook holds {what}");
    }

    private static bool Holds(string image, string name) =>
        Encoding.Latin1.GetString(File.ReadAllBytes(image)).Contains(name, StringComparison.Ordinal);

    [Fact]
    public void Published_hook_image_stays_within_its_size_budget()
    {
        var size = new FileInfo(RequiredService.HookBinary()).Length;

        Assert.True(size <= HookImageBudgetBytes, $"hookrelay-hook is {size:N0} bytes, over its budget of {HookImageBudgetBytes:N0}");
    }

    /// <summary>
    /// The assemblies a NativeAOT image was compiled from, by the "Name.dll" strings its metadata
    /// keeps. A length byte before a name can read as a letter ("NSystem.Private…"), so a name
    /// matches an allowed one when it ends with it.
    /// </summary>
    private static HashSet<string> AssembliesIn(string image)
    {
        var text = Encoding.Latin1.GetString(File.ReadAllBytes(image));
        return [.. DllName().Matches(text).Select(m => m.Groups[1].Value)];
    }

    private static bool IsNamed(string found, string assembly) =>
        found == assembly || (found.EndsWith(assembly, StringComparison.Ordinal) && found.Length == assembly.Length + 1);

    [GeneratedRegex(@"([A-Za-z0-9][A-Za-z0-9.\-]*)\.dll")]
    private static partial Regex DllName();
}
