using System.Text.Json;
using CsCheck;
using HookRelay.Events;
using HookRelay.Logging;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Events;

/// <summary>Whatever the environment holds, parsing never throws and the event is valid JSON that keeps every value intact.</summary>
public class HookEventParserPropertyTests
{
    private static readonly string[] KnownNames =
    [
        "GANETI_HOOKS_VERSION", "GANETI_HOOKS_PATH", "GANETI_HOOKS_PHASE", "GANETI_OP_CODE", "GANETI_OBJECT_TYPE",
        "GANETI_OP_TARGET", "GANETI_CLUSTER", "GANETI_MASTER", "GANETI_INSTANCE_NAME", "GANETI_INSTANCE_PRIMARY",
        "GANETI_INSTANCE_SECONDARIES", "GANETI_INSTANCE_TAGS", "GANETI_INSTANCE_DISK_COUNT", "GANETI_INSTANCE_NIC_COUNT",
        "GANETI_INSTANCE_DISK0_SIZE", "GANETI_INSTANCE_DISK99_SIZE", "GANETI_INSTANCE_DISK-1_SIZE", "GANETI_INSTANCE_DISK_SIZE",
        "GANETI_INSTANCE_DISK0", "GANETI_INSTANCE_DISK00_MODE", "GANETI_INSTANCE_DISK9999999999_SIZE", "GANETI_INSTANCE_NIC0_IP",
        "GANETI_INSTANCE_NIC0_NETWORK_NAME", "GANETI_INSTANCE_NIC1_NETWORK_TAGS", "GANETI_INSTANCE_BE_memory", "GANETI_INSTANCE_HV_",
        "GANETI_POST_INSTANCE_NAME", "GANETI_POST_INSTANCE_DISK0_SIZE", "GANETI_MIGRATE_LIVE", "GANETI_OLD_PRIMARY",
        "GANETI_NEW_PRIMARY", "GANETI_DISK", "GANETI_AMOUNT", "GANETI_INSTANCE_NEW_NAME", "GANETI_REBOOT_TYPE",
        "GANETI_ADD_MODE", "GANETI_SRC_IMAGES", "GANETI_GROUP_NAME", "GANETI_NETWORK_NAME", "GANETI_NODE_TAGS_",
        "GANETI_CLUSTER_TAGS", "GANETI_MASTER_CANDIDATE", "GANETI_POST_", "GANETI_", "PATH", "LC_CTYPE", "HOME",
    ];

    private static readonly Gen<string> Hostile = Gen.OneOf(
        Gen.String,
        Gen.Const(""),
        Gen.OneOf<string>("True", "False", "None", "-1", "2147483648", "99999999999999999999", "1e3", " 1 ", "0x10",
            "\"", "\\", "'", "`", "$(reboot)", "a=b=c", "line\nbreak", "\r\n", "\0", "{\"x\":1}", "</script>",
            "😀 ünïcödé 名前", "\u2028\u2029", "\ud800"),
        Gen.Char.Array[0, 200].Select(c => new string(c)),
        Gen.Int[0, 1_048_576].Select(n => new string('x', n)));

    private static readonly Gen<string> Names = Gen.OneOf(Gen.OneOf<string>(KnownNames), Gen.String.Select(s => "GANETI_" + s), Gen.String);

    private static readonly Gen<SortedDictionary<string, string>> Environments =
        Gen.Dictionary(Names, Hostile)[0, 40].Select(d => new SortedDictionary<string, string>(d, StringComparer.Ordinal));

    [Fact]
    public void Any_environment_parses_and_serialises_to_valid_json_keeping_every_value()
    {
        Environments.Sample(env =>
        {
            var ev = HookEventParser.Parse(env, "node1.example.org");
            var json = CloudEvent.For(ev, DateTimeOffset.UnixEpoch).ToJsonUtf8();
            using var doc = JsonDocument.Parse(json);
            var data = doc.RootElement.GetProperty("data");
            var keptEnv = data.GetProperty("env");
            foreach (var (key, value) in env.Where(kv => kv.Key.StartsWith("GANETI_", StringComparison.Ordinal)))
            {
                // Lone surrogates cannot be encoded; the JSON writer replaces them, everything else must round-trip.
                if (!HasLoneSurrogate(key) && !HasLoneSurrogate(value))
                {
                    Assert.Equal(value, keptEnv.GetProperty(key).GetString());
                }
            }
            Assert.Equal("1.0", doc.RootElement.GetProperty("specversion").GetString());
            Assert.StartsWith("org.ganeti.", doc.RootElement.GetProperty("type").GetString(), StringComparison.Ordinal);
            Assert.DoesNotContain(doc.RootElement.GetProperty("type").GetString()!, c => char.IsControl(c) || c == '"' || c == ' ');
        }, iter: 400);
    }

    [Fact]
    public void Missing_everything_still_gives_a_generic_event()
    {
        var ev = HookEventParser.Parse(new SortedDictionary<string, string>(), "n");
        Assert.False(ev.KnownHook);
        Assert.Equal("", ev.Hook);
        Assert.Empty(ev.Env);
        Assert.Equal("org.ganeti.unknown.unknown", CloudEvent.For(ev, DateTimeOffset.UnixEpoch).Type);
    }

    [Fact]
    public void Megabyte_values_and_huge_counts_do_not_blow_up()
    {
        var env = Fixtures.Env("instance-migrate-post-node1-01");
        env["GANETI_INSTANCE_TAGS"] = string.Join(' ', Enumerable.Range(0, 100_000).Select(i => $"t{i}"));
        env["GANETI_INSTANCE_NAME"] = new string('n', 1_048_576);
        env["GANETI_INSTANCE_DISK_COUNT"] = "2147483647";
        env["GANETI_INSTANCE_NIC_COUNT"] = "-5";
        var ev = HookEventParser.Parse(env, "node1.lab.example");
        Assert.Equal(100_000, ev.Instance!.Tags.Count);
        Assert.Equal(256, ev.Instance.Disks.Count);
        Assert.Equal(3, ev.Instance.Nics.Count);
        using var doc = JsonDocument.Parse(CloudEvent.For(ev, DateTimeOffset.UnixEpoch).ToJsonUtf8());
        Assert.Equal(1_048_576, doc.RootElement.GetProperty("data").GetProperty("instance").GetProperty("name").GetString()!.Length);
    }

    [Fact]
    public void A_device_field_named_twice_keeps_the_later_variable_and_untyped_fields_are_extra_in_name_order()
    {
        var env = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["GANETI_INSTANCE_NAME"] = "vm1",
            // Both name disk 1's size; the variables sort "DISK01_…" first, so "DISK1_SIZE" is the later.
            ["GANETI_INSTANCE_DISK01_SIZE"] = "512",
            ["GANETI_INSTANCE_DISK1_SIZE"] = "1024",
            ["GANETI_INSTANCE_DISK1_ZETA"] = "z",
            ["GANETI_INSTANCE_DISK1_ALPHA"] = "a",
            ["GANETI_INSTANCE_NIC0_MAC"] = "aa:00:00:00:00:01",
            ["GANETI_INSTANCE_NIC0_SPEED"] = "10G",
        };
        var instance = HookEventParser.Parse(env, "n").Instance!;
        var disk = Assert.Single(instance.Disks);
        Assert.Equal((1, 1024L), (disk.Index, disk.SizeMib!.Value));
        Assert.Equal(["alpha", "zeta"], disk.Extra.Keys);
        Assert.Equal(["a", "z"], disk.Extra.Values);
        var nic = Assert.Single(instance.Nics);
        Assert.Equal("aa:00:00:00:00:01", nic.Mac);
        Assert.Equal("10G", Assert.Single(nic.Extra).Value);
        Assert.Equal("speed", Assert.Single(nic.Extra).Key);
    }

    [Fact]
    public void Garbled_numbers_and_booleans_become_null_not_errors()
    {
        var env = Fixtures.Env("disk-grow-post-node1-01");
        env["GANETI_DISK"] = "zero";
        env["GANETI_AMOUNT"] = "256M";
        env["GANETI_ABSOLUTE"] = "maybe";
        env["GANETI_INSTANCE_DISK0_SIZE"] = "";
        var ev = HookEventParser.Parse(env, "node1.lab.example");
        Assert.Null(ev.DiskGrow!.Disk);
        Assert.Null(ev.DiskGrow.AmountMib);
        Assert.Null(ev.DiskGrow.Absolute);
        Assert.Null(ev.Instance!.Disks[0].SizeMib);
        Assert.Equal("256M", ev.Env["GANETI_AMOUNT"]);
    }

    [Fact]
    public void Log_lines_are_one_printable_line_whatever_the_input()
    {
        Gen.String.Sample(s =>
        {
            var line = HookLog.OneLine(s + "\nnext\r\0line");
            Assert.DoesNotContain('\n', line);
            Assert.DoesNotContain('\r', line);
            Assert.DoesNotContain('\0', line);
            Assert.True(line.Length <= 1001);
        });
    }

    private static bool HasLoneSurrogate(string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(s[i]))
            {
                return true;
            }
        }
        return false;
    }
}
