using System.Text;
using HookRelay.Events;
using HookRelay.Gates;
using HookRelay.Rules;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Gates;

/// <summary>Each built-in policy, table-driven, on the real instance-add pre-hook environment.</summary>
public class GatePolicyTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    private static GateVerdict Verdict(string gateYaml, Action<SortedDictionary<string, string>>? change = null, DateTimeOffset? now = null)
    {
        var config = ConfigLoader.Parse(Encoding.UTF8.GetBytes($"gates:\n  - {{ name: g, on_error: deny, {gateYaml} }}\n"), "test.yaml");
        var env = Fixtures.Env("instance-add-pre-node1-01");
        change?.Invoke(env);
        var ev = HookEventParser.Parse(env, "node1.lab.example");
        return GateEvaluator.Evaluate(config.Gates[0], ev, new EventAttributes(ev), now ?? Now);
    }

    private static void Allowed(string gate, Action<SortedDictionary<string, string>>? change = null) =>
        Assert.True(Verdict(gate, change).Allowed, Verdict(gate, change).Reason);

    private static void Denied(string gate, string reason, Action<SortedDictionary<string, string>>? change = null)
    {
        var verdict = Verdict(gate, change);
        Assert.False(verdict.Allowed);
        Assert.Equal(reason, verdict.Reason);
    }

    [Fact]
    public void Naming_pattern_denies_with_the_sentence_operators_see()
    {
        Allowed("deny_unless: { instance_name: '^[a-z0-9.-]+$' }");
        Denied("deny_unless: { instance_name: '^[a-z0-9-]+$' }", "instance name 'Web_1' does not match ^[a-z0-9-]+$",
            env => env["GANETI_INSTANCE_NAME"] = "Web_1");
        Assert.Equal("denied by gate 'g': instance name 'Web_1' does not match ^[a-z0-9-]+$",
            Verdict("deny_unless: { instance_name: '^[a-z0-9-]+$' }", env => env["GANETI_INSTANCE_NAME"] = "Web_1").Sentence);
    }

    [Fact]
    public void A_blocked_pattern_denies_what_matches_it_in_a_sentence_that_reads_well()
    {
        Denied("deny_if: { instance_name: '^test' }", "instance name 'test-1' matches the blocked pattern '^test'",
            env => env["GANETI_INSTANCE_NAME"] = "test-1");
        Allowed("deny_if: { instance_name: '^test' }", env => env["GANETI_INSTANCE_NAME"] = "web-test");
        // An attribute this run does not carry blocks nothing.
        Allowed("deny_if: { new_name: '.*' }");
        // Any one of several values (tags) is enough.
        Denied("deny_if: { tag: '^do-not-create$' }", "tag 'do-not-create' matches the blocked pattern '^do-not-create$'",
            env => env["GANETI_INSTANCE_TAGS"] = "web do-not-create");
    }

    [Theory]
    [InlineData("limits: { memory_mib: 128 }", "asks for 256 MiB of memory, more than the limit of 128 MiB")]
    [InlineData("limits: { vcpus: 1 }", "vCPUs, more than the limit of 1")]
    [InlineData("limits: { disks: 0 }", "disks, more than the limit of 0")]
    [InlineData("limits: { disk_mib: 100 }", "MiB, more than the limit of 100 MiB")]
    [InlineData("limits: { total_disk_mib: 100 }", "add up to")]
    [InlineData("limits: { nics: 0 }", "NICs, more than the limit of 0")]
    public void Limits_deny_what_asks_for_more(string gate, string reason)
    {
        var verdict = Verdict(gate);
        Assert.False(verdict.Allowed);
        Assert.Contains(reason, verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Limits_allow_what_fits() => Allowed("limits: { memory_mib: 65536, vcpus: 64, disks: 16, disk_mib: 10000000, total_disk_mib: 10000000, nics: 8 }");

    [Fact]
    public void Required_tags_need_a_matching_tag_each()
    {
        Allowed("require_tags: ['^owner:']", env => env["GANETI_INSTANCE_TAGS"] = "owner:ops web");
        Denied("require_tags: ['^owner:']", "instance 'web-2.lab.example' has no tag matching ^owner: (tags: web)",
            env =>
            {
                env["GANETI_INSTANCE_TAGS"] = "web";
                env["GANETI_INSTANCE_NAME"] = "web-2.lab.example";
            });
    }

    [Fact]
    public void Allow_lists_name_what_is_allowed()
    {
        Allowed("allow: { hypervisor: [fake, kvm] }");
        var verdict = Verdict("allow: { disk_template: [drbd] }", env => env["GANETI_INSTANCE_DISK_TEMPLATE"] = "plain");
        Assert.False(verdict.Allowed);
        Assert.Equal("disk template 'plain' is not allowed (allowed: drbd)", verdict.Reason);
        Assert.False(Verdict("allow: { node: [node9.lab.example] }").Allowed);
    }

    [Fact]
    public void A_protected_instance_cannot_be_touched()
    {
        Allowed("protect_tag: protected");
        var verdict = Verdict("protect_tag: protected", env => env["GANETI_INSTANCE_TAGS"] = "web protected");
        Assert.False(verdict.Allowed);
        Assert.Contains("is tagged 'protected'", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void All_policies_of_a_gate_must_pass_and_the_first_denial_is_said()
    {
        var verdict = Verdict("deny_unless: { instance: '^nomatch$' }, limits: { memory_mib: 1 }");
        Assert.False(verdict.Allowed);
        Assert.StartsWith("instance '", verdict.Reason, StringComparison.Ordinal);
    }
}
