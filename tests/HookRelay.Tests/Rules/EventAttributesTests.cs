using HookRelay.Events;
using HookRelay.Rules;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Rules;

public class EventAttributesTests
{
    private static EventAttributes For(string capture, string node) =>
        new(HookEventParser.Parse(Fixtures.Env(capture), node));

    [Fact]
    public void Verdict_and_denied_by_say_what_the_gates_decided()
    {
        var ev = HookEventParser.Parse(Fixtures.Env("instance-add-pre-node1-01"), "node1.lab.example");
        Assert.Empty(new EventAttributes(ev).Get("verdict"));
        var denied = new EventAttributes(ev with
        {
            Gates = [new("naming", "deny", false, "r"), new("sizes", "allow", true, "ok"), new("opa", "timeout", false, "slow; on_error: deny")],
        });
        Assert.Equal(["deny"], denied.Get("verdict"));
        Assert.Equal(["naming", "opa"], denied.Get("denied_by"));
        Assert.Equal(["opa"], denied.Get("gate_failed"));
        // A policy server that failed, let through by on_error: allow: allowed, and still visible.
        var letThrough = new EventAttributes(ev with { Gates = [new("sizes", "allow", true, "ok"), new("opa", "error", true, "500; on_error: allow")] });
        Assert.Equal(["allow"], letThrough.Get("verdict"));
        Assert.Empty(letThrough.Get("denied_by"));
        Assert.Equal(["opa"], letThrough.Get("gate_failed"));
    }

    [Fact]
    public void Python_booleans_read_as_lower_case()
    {
        var attributes = For("instance-migrate-post-node1-01", "node1.lab.example");
        Assert.Equal(["true"], attributes.Get("migrate_live"));
        Assert.Equal(["false"], attributes.Get("migrate_cleanup"));
    }

    [Fact]
    public void Every_ganeti_variable_is_an_attribute_by_its_lower_case_name()
    {
        var attributes = For("instance-migrate-post-node1-01", "node1.lab.example");
        Assert.Equal(["512"], attributes.Get("instance_be_maxmem"));
        Assert.Equal(["node2.lab.example"], attributes.Get("post_instance_primary"));
        Assert.Equal(["OP_INSTANCE_MIGRATE"], attributes.Get("op_code"));
        Assert.Empty(attributes.Get("no_such_variable"));
    }

    [Fact]
    public void Curated_names_cover_hook_phase_instance_tags_and_roles()
    {
        var attributes = For("instance-migrate-post-node1-01", "node1.lab.example");
        Assert.Equal(["instance-migrate"], attributes.Get("hook"));
        Assert.Equal(["post"], attributes.Get("phase"));
        Assert.Equal(["web-1.lab.example"], attributes.Get("instance"));
        Assert.Equal(["env:prod", "web"], attributes.Get("tag"));
        Assert.Equal(["master", "old_primary"], attributes.Get("role"));
        Assert.Equal(["node1.lab.example"], attributes.Get("node"));
        Assert.Equal(["true"], attributes.Get("known_hook"));
    }

    [Theory]
    [MemberData(nameof(Fixtures.Captures), MemberType = typeof(Fixtures))]
    public void A_variable_looked_up_in_place_reads_as_the_table_of_all_variables_holds_it(string capture)
    {
        var env = Fixtures.Env(capture);
        env["GANETI_CASE_twin"] = "lower";
        env["GANETI_CASE_TWIN"] = "upper";
        var ev = HookEventParser.Parse(env, "node1.lab.example");
        var table = EventAttributes.BuildRaw(ev.Env);
        var names = table.Keys.SelectMany(k => new[] { k, k.ToLowerInvariant(), k.ToUpperInvariant() }).Append("no_such_variable").Append("");
        foreach (var name in names)
        {
            Assert.Equal(table.GetValueOrDefault(name), EventAttributes.RawValue(ev.Env, name));
        }
        Assert.Equal("lower", EventAttributes.RawValue(ev.Env, "case_twin"));
    }
}
