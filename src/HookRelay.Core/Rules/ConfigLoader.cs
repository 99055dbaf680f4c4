using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using HookRelay.Sinks.Messages;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace HookRelay.Rules;

/// <summary>
/// Reads hookrelay.yaml: YAML → schema check (structure, with line and column) → model with
/// semantic checks (matchers, regexes, sink references, secret syntax). Collects every error.
/// </summary>
public static partial class ConfigLoader
{
    private static JsonDocument? _schema;

    public static JsonElement Schema
    {
        get
        {
            if (_schema is null)
            {
                using var stream = typeof(ConfigLoader).Assembly.GetManifestResourceStream("hookrelay.schema.json")
                    ?? throw new InvalidOperationException("the embedded configuration schema is missing from this build");
                _schema = JsonDocument.Parse(stream);
            }
            return _schema.RootElement;
        }
    }

    /// <summary>Loads and validates a file; throws <see cref="ConfigException"/> with every problem found.</summary>
    public static HookRelayConfig Load(string path) => Parse(Read(path), path);

    /// <summary>The file's bytes; throws <see cref="ConfigException"/> when it cannot be read.</summary>
    public static byte[] Read(string path)
    {
        try
        {
            return Posix.UnixFile.ReadAll(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException([new ConfigError(path, 0, 0, $"cannot read the configuration: {e.Message}")]);
        }
    }

    /// <param name="alreadyChecked">
    /// The bytes were cut from a file that loaded (a snapshot's slice): the schema and the checks
    /// over every hooks path are not repeated; the schema alone would cost a hook run more than
    /// half a millisecond, and the path checks grow with the number of rules.
    /// </param>
    public static HookRelayConfig Parse(byte[] bytes, string path, bool alreadyChecked = false)
    {
        var errors = new List<ConfigError>();
        if (!ConfigText.IsRead)
        {
            // hookrelay-hook: nothing of the file's reading is in its image (the schema and its checks included).
            throw ConfigText.NotRead(path);
        }
        var root = ConfigText.Root(bytes, path, errors);
        if (root is null || YamlScalars.IsNull(root))
        {
            return errors.Count > 0
                ? throw new ConfigException(errors)
                : new HookRelayConfig { SourcePath = path, Content = bytes, Warnings = [new ConfigError(path, 1, 1, "the configuration is empty: no event will be routed anywhere", true)] };
        }
        if (!alreadyChecked)
        {
            SchemaValidator.Validate(Schema, root, path, errors);
        }
        if (errors.Count > 0)
        {
            throw new ConfigException(errors);
        }
        var config = new Binder(path, errors, alreadyChecked).Bind((YamlMappingNode)root, bytes);
        return errors.Count > 0 ? throw new ConfigException(errors) : config;
    }

    /// <summary>A snapshot's slice, its nodes rebuilt (<see cref="SliceTree"/>): bound without the schema and the checks over every hooks path, as they passed when the file loaded.</summary>
    internal static HookRelayConfig BindSlice(YamlNode root, string path)
    {
        if (BoundedRegex.ByProcessDefault)
        {
            // The hook's first regular expressions are its slice's; a run with nothing to do builds none, and skips this.
            BoundedRegex.BoundProcessDefault();
        }
        var errors = new List<ConfigError>();
        var config = new Binder(path, errors, alreadyChecked: true).Bind((YamlMappingNode)root, []);
        return errors.Count > 0 ? throw new ConfigException(errors) : config;
    }

    /// <summary>Maps a schema-valid document onto the model; only semantic problems remain to be found here.</summary>
    private sealed partial class Binder(string file, List<ConfigError> errors, bool alreadyChecked)
    {
        private readonly List<ConfigError> _warnings = [];

        public HookRelayConfig Bind(YamlMappingNode root, byte[] content)
        {
            var sinks = Sinks(Child(root, "sinks") as YamlMappingNode);
            var routes = Routes(Child(root, "routes") as YamlSequenceNode, sinks);
            var gates = Gates(Child(root, "gates") as YamlSequenceNode, sinks);
            var actions = Actions(Child(root, "actions") as YamlMappingNode);
            if (routes.Count == 0 && gates.Count == 0 && actions.Count == 0)
            {
                _warnings.Add(new ConfigError(file, root.Start.Line, root.Start.Column, "no routes, gates or actions: every hook run will do nothing", true));
            }
            return new HookRelayConfig
            {
                SourcePath = file,
                Content = content,
                StateDir = Text(root, "state_dir") ?? HookRelayConfig.DefaultStateDir,
                NodeName = Text(root, "node_name"),
                Hook = HookSettings(Child(root, "hook") as YamlMappingNode),
                Delivery = DeliverySettings(Child(root, "delivery") as YamlMappingNode),
                Web = WebSettings(Child(root, "web") as YamlMappingNode),
                Sinks = sinks,
                Routes = routes,
                Gates = gates,
                Actions = actions,
                Jobs = JobsSettings(Child(root, "jobs") as YamlMappingNode),
                Warnings = _warnings,
            };
        }

        private HookSettings HookSettings(YamlMappingNode? node)
        {
            var settings = new HookSettings();
            if (node is null)
            {
                return settings;
            }
            var budget = Duration(node, "budget") ?? settings.Budget;
            var gateBudget = Duration(node, "gate_budget");
            settings = settings with
            {
                Budget = budget,
                // Unset, it leaves at least half of a short hook budget for the rest of the run.
                GateBudget = gateBudget ?? TimeSpan.FromTicks(Math.Min(settings.GateBudget.Ticks, budget.Ticks / 2)),
                OnInternalError = Policy(Text(node, "on_internal_error")) ?? settings.OnInternalError,
                Journal = Child(node, "journal") is not YamlScalarNode journal || YamlScalars.Bool(journal) != false,
            };
            if (gateBudget is not null && settings.GateBudget >= settings.Budget)
            {
                // Past the hook budget the run ends by on_internal_error, and the verdicts are never recorded.
                Error(Child(node, "gate_budget") ?? node, $"hook.gate_budget ({settings.GateBudget.TotalSeconds:0.###}s) must be shorter than hook.budget ({settings.Budget.TotalSeconds:0.###}s)");
            }
            return settings;
        }

        private DeliverySettings DeliverySettings(YamlMappingNode? node)
        {
            var settings = new DeliverySettings();
            if (node is null)
            {
                return settings;
            }
            return settings with
            {
                WithoutDaemon = Text(node, "without_daemon") == "keep" ? WithoutDaemon.Keep : settings.WithoutDaemon,
                KeepDelivered = Duration(node, "keep_delivered") ?? settings.KeepDelivered,
                KeepDead = Duration(node, "keep_dead") ?? settings.KeepDead,
                Fsync = Child(node, "fsync") is not YamlScalarNode fsync || YamlScalars.Bool(fsync) != false,
                MaxDbBytes = Child(node, "max_db_mb") is YamlScalarNode mb && YamlScalars.Integer(mb) is { } megabytes
                    ? megabytes * 1024 * 1024
                    : settings.MaxDbBytes,
            };
        }

        private JobsSettings JobsSettings(YamlMappingNode? node)
        {
            if (node is null)
            {
                return Rules.JobsSettings.Default;
            }
            var settings = new SortedDictionary<string, string>(StringComparer.Ordinal);
            Flatten(node, "", settings, "jobs", _ => false);
            var source = Text(node, "source") ?? Rules.JobsSettings.Default.Source;
            settings.Remove("source");
            var jobs = new JobsSettings(source, new SinkConfig("jobs", "jobs", settings, Pos(node)));
            if (source == "rapi" && !jobs.HasRapi)
            {
                Error(Child(node, "source")!, "jobs.source is rapi, but jobs.rapi.url is not set: give the master's RAPI (https://127.0.0.1:5080 there)");
            }
            return jobs;
        }

        private WebSettings? WebSettings(YamlMappingNode? node)
        {
            if (node is null)
            {
                return null;
            }
            var settings = new WebSettings
            {
                Listen = Text(node, "listen") ?? Rules.WebSettings.DefaultListen,
                Token = Text(node, "token"),
                Position = new SourcePosition(file, node.Start.Line, node.Start.Column),
            };
            var at = Child(node, "listen") ?? node;
            if (WebAddress.Parse(settings.Listen) is not { } address)
            {
                Error(at, $"web.listen '{settings.Listen}': expected host:port (127.0.0.1:9786, [::1]:9786, *:9786)");
            }
            else if (!address.Loopback && string.IsNullOrEmpty(settings.Token))
            {
                Error(at, $"web.listen '{settings.Listen}' is reachable from other hosts: set web.token (a ${{file:…}} of a long random string) so that only Prometheus and operators get in");
            }
            if (settings.Token is { } token && SecretReferences.SyntaxError(token) is { } problem)
            {
                Error(Child(node, "token") ?? node, $"web.token: {problem}");
            }
            return settings;
        }

        private Dictionary<string, SinkConfig> Sinks(YamlMappingNode? node)
        {
            var sinks = new Dictionary<string, SinkConfig>(StringComparer.Ordinal);
            foreach (var (key, value) in (IEnumerable<KeyValuePair<YamlNode, YamlNode>>?)node?.Children ?? [])
            {
                var name = ((YamlScalarNode)key).Value!;
                var map = (YamlMappingNode)value;
                var settings = new SortedDictionary<string, string>(StringComparer.Ordinal);
                // Only config check reports at a setting; a snapshot's slice (a hook run) does not pay for them.
                var positions = alreadyChecked ? null : new Dictionary<string, SourcePosition>(StringComparer.Ordinal);
                var type = Text(map, "type")!;
                // A snapshot's slice was checked when it was cut; the template marks live in the schema it skips.
                Flatten(map, "", settings, $"sink '{name}'", alreadyChecked ? _ => false : setting => SinkTemplateKeys.IsTemplate(type, setting), positions);
                settings.Remove("type");
                sinks[name] = new SinkConfig(name, type, settings, Pos(key)) { SettingPositions = positions ?? [] };
            }
            return sinks;
        }

        /// <param name="isTemplate">Which settings are templates over the event, checked now so a typo fails config check, not a delivery.</param>
        /// <param name="positions">When given, where each setting (and each key above one) is written.</param>
        private void Flatten(YamlNode node, string prefix, SortedDictionary<string, string> into, string owner, Func<string, bool> isTemplate,
            Dictionary<string, SourcePosition>? positions = null)
        {
            switch (node)
            {
                case YamlMappingNode map:
                    foreach (var (k, v) in map.Children)
                    {
                        var setting = prefix.Length == 0 ? ((YamlScalarNode)k).Value! : $"{prefix}.{((YamlScalarNode)k).Value}";
                        positions?.TryAdd(setting, Pos(k));
                        Flatten(v, setting, into, owner, isTemplate, positions);
                    }
                    break;
                case YamlSequenceNode seq:
                    for (var i = 0; i < seq.Children.Count; i++)
                    {
                        positions?.TryAdd($"{prefix}[{i}]", Pos(seq.Children[i]));
                        Flatten(seq.Children[i], $"{prefix}[{i}]", into, owner, isTemplate, positions);
                    }
                    break;
                case YamlScalarNode scalar:
                    var value = scalar.Value ?? "";
                    if (SecretReferences.SyntaxError(value) is { } problem)
                    {
                        Error(scalar, $"{owner}, {prefix}: {problem}");
                    }
                    if (isTemplate(prefix) && !Template.TryParse(value, out _, out var templateProblem))
                    {
                        Error(scalar, $"{owner}, {prefix}: {templateProblem}");
                    }
                    into[prefix] = value;
                    break;
            }
        }

        private List<RouteConfig> Routes(YamlSequenceNode? node, Dictionary<string, SinkConfig> sinks)
        {
            var routes = new List<RouteConfig>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var item in node?.Children.Cast<YamlMappingNode>() ?? [])
            {
                var name = UniqueName(item, "route", seen);
                var to = new List<string>();
                foreach (var target in ((YamlSequenceNode)Child(item, "to")!).Children.Cast<YamlScalarNode>())
                {
                    if (!sinks.ContainsKey(target.Value!))
                    {
                        var known = sinks.Count == 0 ? "no sinks are defined" : "defined sinks: " + string.Join(", ", sinks.Keys.Order(StringComparer.Ordinal));
                        Error(target, $"route '{name}' sends to sink '{target.Value}', which is not defined ({known})");
                    }
                    to.Add(target.Value!);
                }
                var text = Child(item, "text") as YamlScalarNode;
                if (text is not null && !Template.TryParse(text.Value ?? "", out _, out var problem))
                {
                    Error(text, $"route '{name}', text: {problem}");
                }
                routes.Add(new RouteConfig(name, OnNodeOf(item, Rules.OnNode.Once), Matchers(item, $"route '{name}'"), to, text?.Value, Pos(item)));
            }
            return routes;
        }

        private List<ActionConfig> Actions(YamlMappingNode? node)
        {
            var actions = new List<ActionConfig>();
            foreach (var (key, value) in (IEnumerable<KeyValuePair<YamlNode, YamlNode>>?)node?.Children ?? [])
            {
                var name = ((YamlScalarNode)key).Value!;
                var map = (YamlMappingNode)value;
                var settings = new SortedDictionary<string, string>(StringComparer.Ordinal);
                var positions = alreadyChecked ? null : new Dictionary<string, SourcePosition>(StringComparer.Ordinal);
                Flatten(map, "", settings, $"action '{name}'", _ => false, positions);
                var enabled = Child(map, "enabled") is not YamlScalarNode flag || YamlScalars.Bool(flag) != false;
                foreach (var rule in settings.Keys.Where(k => k == "enabled" || SinkConfig.TopKey(k) == "matchers").ToList())
                {
                    settings.Remove(rule);
                }
                var runs = NodeActionTriggers.Find(name)?.Runs == true;
                actions.Add(new ActionConfig(name, enabled, settings, Pos(key))
                {
                    Matchers = Matchers(map, $"action '{name}'"),
                    Runs = runs,
                    SettingPositions = positions ?? [],
                });
                if (enabled && !runs)
                {
                    _warnings.Add(new ConfigError(file, key.Start.Line, key.Start.Column,
                        $"action '{name}' is shown by 'simulate', but this version does not run it yet", true));
                }
            }
            return actions;
        }

        /// <summary>The matchers of a route, gate or action; <paramref name="owner"/> ("route 'x'") names it in problems.</summary>
        private List<Matcher> Matchers(YamlMappingNode item, string owner)
        {
            var matchers = new List<Matcher>();
            foreach (var text in (Child(item, "matchers") as YamlSequenceNode)?.Children.Cast<YamlScalarNode>() ?? [])
            {
                if (!Matcher.TryParse(text.Value ?? "", out var matcher, out var problem))
                {
                    Error(text, problem);
                    continue;
                }
                switch (MatcherChecks.Check(matcher!, out var kept, out problem))
                {
                    case MatcherChecks.Severity.Error:
                        Error(text, $"{owner}: {problem}");
                        continue;
                    case MatcherChecks.Severity.Warning:
                        Warning(text, $"{owner}: {problem}");
                        break;
                }
                matchers.Add(kept);
            }
            if (!alreadyChecked && matchers.Count > 0 && !MatcherChecks.AnyPathCanMatch(matchers))
            {
                Warning(Child(item, "matchers")!, $"{owner} can never apply: no hooks path and phase of Ganeti 3.0/3.1 satisfies its hook and phase matchers together");
            }
            return matchers;
        }

        /// <summary>Routes and gates are referred to by name in logs and events, so a name may be used once.</summary>
        private string UniqueName(YamlMappingNode item, string kind, HashSet<string> seen)
        {
            var name = Text(item, "name")!;
            if (!seen.Add(name))
            {
                Error(Child(item, "name")!, $"{kind} name '{name}' is used twice; {kind} names must be unique");
            }
            return name;
        }

        private static OnNode OnNodeOf(YamlMappingNode item, OnNode fallback) => Text(item, "on_node") switch
        {
            "once" => Rules.OnNode.Once,
            "master" => Rules.OnNode.Master,
            "primary" => Rules.OnNode.Primary,
            "secondaries" => Rules.OnNode.Secondaries,
            "old_primary" => Rules.OnNode.OldPrimary,
            "new_primary" => Rules.OnNode.NewPrimary,
            "all" => Rules.OnNode.All,
            _ => fallback,
        };

        private static ErrorPolicy? Policy(string? text) => text switch
        {
            "allow" => ErrorPolicy.Allow,
            "deny" => ErrorPolicy.Deny,
            _ => null,
        };

        private TimeSpan? Duration(YamlMappingNode node, string key)
        {
            if (Child(node, key) is not YamlScalarNode scalar)
            {
                return null;
            }
            if (Durations.TryParse(scalar.Value ?? "", out var value))
            {
                return value;
            }
            Error(scalar, $"'{key}' is '{scalar.Value}', expected a duration such as 500ms, 2s or 1m");
            return null;
        }

        private static YamlNode? Child(YamlMappingNode node, string key) =>
            node.Children.TryGetValue(new YamlScalarNode(key), out var child) ? child : null;

        private static string? Text(YamlMappingNode node, string key) => (Child(node, key) as YamlScalarNode)?.Value;

        private SourcePosition Pos(YamlNode node) => new(file, node.Start.Line, node.Start.Column);

        private void Error(YamlNode node, string message) =>
            errors.Add(new ConfigError(file, node.Start.Line, node.Start.Column, message));

        private void Warning(YamlNode node, string message) =>
            _warnings.Add(new ConfigError(file, node.Start.Line, node.Start.Column, message, true));
    }
}
