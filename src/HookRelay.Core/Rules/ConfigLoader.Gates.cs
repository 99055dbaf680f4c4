using System.Globalization;
using System.Text.RegularExpressions;
using HookRelay.Gates;
using YamlDotNet.RepresentationModel;

namespace HookRelay.Rules;

public static partial class ConfigLoader
{
    /// <summary>The gates section: each gate's policies built and checked here, with line and column.</summary>
    private sealed partial class Binder
    {
        private static readonly string[] DateFormats = ["yyyy-MM-dd HH:mm", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd"];

        private List<GateConfig> Gates(YamlSequenceNode? node, Dictionary<string, SinkConfig> sinks)
        {
            var gates = new List<GateConfig>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var item in node?.Children.Cast<YamlMappingNode>() ?? [])
            {
                var name = UniqueName(item, "gate", seen);
                var policies = new List<IGatePolicy>();
                if (Child(item, "deny_unless") is YamlMappingNode denyUnless)
                {
                    policies.Add(new DenyUnlessPolicy(Patterns(denyUnless.Children.Select(kv => (((YamlScalarNode)kv.Key).Value!, (YamlScalarNode)kv.Value)), name, "deny_unless")));
                }
                if (Child(item, "deny_if") is YamlMappingNode denyIf)
                {
                    policies.Add(new DenyIfPolicy(Patterns(denyIf.Children.Select(kv => (((YamlScalarNode)kv.Key).Value!, (YamlScalarNode)kv.Value)), name, "deny_if")));
                }
                if (Child(item, "limits") is YamlMappingNode limits)
                {
                    policies.Add(new LimitsPolicy(Number(limits, "memory_mib"), (int?)Number(limits, "vcpus"), (int?)Number(limits, "disks"),
                        Number(limits, "disk_mib"), Number(limits, "total_disk_mib"), (int?)Number(limits, "nics")));
                }
                if (Child(item, "require_tags") is YamlSequenceNode tags)
                {
                    policies.Add(new RequiredTagsPolicy([.. Patterns(tags.Children.Select((t, i) => ($"{i}", (YamlScalarNode)t)), name, "require_tags").Values]));
                }
                if (Child(item, "allow") is YamlMappingNode allow)
                {
                    policies.Add(new AllowListPolicy(allow.Children.ToDictionary(
                        kv => ((YamlScalarNode)kv.Key).Value!,
                        kv => (IReadOnlyList<string>)[.. ((YamlSequenceNode)kv.Value).Children.Select(v => ((YamlScalarNode)v).Value ?? "")],
                        StringComparer.Ordinal)));
                }
                if (Text(item, "protect_tag") is { } protect)
                {
                    policies.Add(new ProtectTagPolicy(protect));
                }
                if (Child(item, "freeze") is YamlMappingNode freeze && Freeze(freeze, name) is { } freezePolicy)
                {
                    policies.Add(freezePolicy);
                }
                var remote = RemotePolicy(item, name, sinks);
                if (policies.Count == 0 && remote is null)
                {
                    Error(item, $"gate '{name}' has no policy: give it deny_unless, deny_if, limits, require_tags, allow, protect_tag, freeze, http or netbox");
                }
                var matchers = Matchers(item, $"gate '{name}'");
                if (!alreadyChecked && matchers.Count > 0 && !MatcherChecks.AnyPathCanMatch(matchers, "pre"))
                {
                    Error(Child(item, "matchers")!, $"gate '{name}' matches no pre phase: a gate decides in the pre hook, and a post hook cannot stop an operation (route post events with a route instead)");
                }
                gates.Add(new GateConfig(name, OnNodeOf(item, Rules.OnNode.Master), matchers, policies, remote,
                    Policy(Text(item, "on_error"))!.Value, Pos(item)));
            }
            return gates;
        }

        /// <summary>The gate's policy server, if it has one: an http policy, or NetBox through a netbox sink (one of the two).</summary>
        private RemotePolicyConfig? RemotePolicy(YamlMappingNode item, string name, Dictionary<string, SinkConfig> sinks)
        {
            var http = Child(item, "http") as YamlMappingNode;
            var netbox = Child(item, "netbox") as YamlMappingNode;
            if (http is not null && netbox is not null)
            {
                Error(netbox, $"gate '{name}' has both http and netbox: a gate asks one server; make two gates");
                return null;
            }
            if ((http ?? netbox) is not { } node)
            {
                return null;
            }
            var timeout = Duration(node, "timeout") ?? RemotePolicyConfig.DefaultTimeout;
            if (netbox is null)
            {
                var settings = new SortedDictionary<string, string>(StringComparer.Ordinal);
                Flatten(node, "", settings, $"gate '{name}', http", _ => false);
                return new RemotePolicyConfig(RemotePolicyConfig.HttpKind, new SinkConfig(name, "http-policy", settings, Pos(node)), timeout);
            }
            // NetBox is asked as the sink reaches it (url, token, cluster): the policy carries the sink's settings.
            var reference = (YamlScalarNode)Child(netbox, "sink")!;
            var sink = reference.Value ?? "";
            if (!sinks.TryGetValue(sink, out var target) || target.Type != RemotePolicyConfig.NetBoxKind)
            {
                var known = sinks.Values.Where(s => s.Type == RemotePolicyConfig.NetBoxKind).Select(s => s.Name).Order(StringComparer.Ordinal).ToList();
                Error(reference, $"gate '{name}', netbox.sink: '{sink}' is not a netbox sink ({(known.Count == 0 ? "none is defined" : "netbox sinks: " + string.Join(", ", known))})");
                return null;
            }
            return new RemotePolicyConfig(RemotePolicyConfig.NetBoxKind, target, timeout, sink);
        }

        private Dictionary<string, Regex> Patterns(IEnumerable<(string Key, YamlScalarNode Value)> entries, string gate, string section)
        {
            var patterns = new Dictionary<string, Regex>(StringComparer.Ordinal);
            foreach (var (key, value) in entries)
            {
                try
                {
                    patterns[key] = BoundedRegex.Create(value.Value ?? "");
                }
                catch (ArgumentException e)
                {
                    Error(value, $"gate '{gate}', {section}: invalid regular expression: {e.Message}");
                }
            }
            return patterns;
        }

        private static long? Number(YamlMappingNode node, string key) =>
            Child(node, key) is YamlScalarNode scalar ? YamlScalars.Integer(scalar) : null;

        private FreezePolicy? Freeze(YamlMappingNode node, string gate)
        {
            var zoneNode = (YamlScalarNode)Child(node, "timezone")!;
            TimeZoneInfo zone;
            try
            {
                zone = TimeZoneInfo.FindSystemTimeZoneById(zoneNode.Value!);
            }
            catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
            {
                Error(zoneNode, $"gate '{gate}', freeze.timezone: '{zoneNode.Value}' is not a time zone this system knows (an IANA name such as Europe/Berlin)");
                return null;
            }
            var windows = Spans(Child(node, "windows") as YamlSequenceNode, gate, "windows");
            var exceptions = Spans(Child(node, "except") as YamlSequenceNode, gate, "except");
            var weekly = new List<WeeklySpan>();
            foreach (var entry in (Child(node, "weekly") as YamlSequenceNode)?.Children.Cast<YamlMappingNode>() ?? [])
            {
                var days = ((YamlSequenceNode)Child(entry, "days")!).Children.Select(d => Enum.Parse<DayOfWeek>(Day(((YamlScalarNode)d).Value!))).ToHashSet();
                if (TimeOfDay(entry, "from", gate) is { } from && TimeOfDay(entry, "to", gate) is { } to)
                {
                    weekly.Add(new WeeklySpan(days, from, to, Text(entry, "reason")));
                }
            }
            return new FreezePolicy(zone, windows, weekly, exceptions);
        }

        private List<LocalSpan> Spans(YamlSequenceNode? node, string gate, string section)
        {
            var spans = new List<LocalSpan>();
            foreach (var entry in node?.Children.Cast<YamlMappingNode>() ?? [])
            {
                var from = LocalTime(entry, "from", gate, section);
                var to = LocalTime(entry, "to", gate, section);
                if (from is null || to is null)
                {
                    continue;
                }
                if (to <= from)
                {
                    Error(entry, $"gate '{gate}', freeze.{section}: 'to' ({to:yyyy-MM-dd HH:mm}) is not after 'from' ({from:yyyy-MM-dd HH:mm})");
                    continue;
                }
                spans.Add(new LocalSpan(from.Value, to.Value, Text(entry, "reason")));
            }
            return spans;
        }

        private DateTime? LocalTime(YamlMappingNode entry, string key, string gate, string section)
        {
            var scalar = (YamlScalarNode)Child(entry, key)!;
            if (DateTime.TryParseExact(scalar.Value, DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var value))
            {
                return value;
            }
            Error(scalar, $"gate '{gate}', freeze.{section}.{key}: '{scalar.Value}' is not a local time such as 2026-12-20 18:00");
            return null;
        }

        private TimeSpan? TimeOfDay(YamlMappingNode entry, string key, string gate)
        {
            var scalar = (YamlScalarNode)Child(entry, key)!;
            if (scalar.Value == "24:00")
            {
                return TimeSpan.FromHours(24);
            }
            if (TimeSpan.TryParseExact(scalar.Value, "hh\\:mm", CultureInfo.InvariantCulture, out var value))
            {
                return value;
            }
            Error(scalar, $"gate '{gate}', freeze.weekly.{key}: '{scalar.Value}' is not a time of day such as 18:00");
            return null;
        }

        private static string Day(string day) => day switch
        {
            "mon" => "Monday",
            "tue" => "Tuesday",
            "wed" => "Wednesday",
            "thu" => "Thursday",
            "fri" => "Friday",
            "sat" => "Saturday",
            _ => "Sunday",
        };
    }
}
