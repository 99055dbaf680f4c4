using HookRelay.Sinks.Dns;

namespace HookRelay.Tests.Sinks.Dns;

/// <summary>Desired against current: what may be written, what is a conflict, what is deleted.</summary>
public sealed class DnsPlannerTests
{
    private const string Owner = "cluster.example.org";
    private static readonly DnsLayout Layout = new(["example.org.", "10.in-addr.arpa."], NameMapping.Fqdn, null, 300, null, null, Eui64: false, Reverse: true);

    private static DnsInstance Instance(string name, params string[] ips) => new(name, [.. ips.Select((ip, i) => new DnsNic(i, ip, null, null, null))]);

    private static DnsPlan Plan(IEnumerable<DnsInstance> desired, IEnumerable<string> scope, IEnumerable<RecordSet> current) =>
        new DnsPlanner(Owner).Plan([.. desired.Select(i => Layout.Desired(i, Owner))], scope.ToHashSet(), new ZoneContents(current));

    private static RecordSet Set(string name, string type, params string[] values) => new(name, type, 300, values);

    private static RecordSet OwnerOf(string name, string instance, string owner = Owner) => new OwnerRecord(owner, instance).AsSet(name, 300);

    [Fact]
    public void A_new_instance_gets_its_owner_record_first_then_a_and_ptr()
    {
        var plan = Plan([Instance("web-1.example.org", "10.0.0.5")], ["web-1.example.org"], []);

        Assert.Empty(plan.Conflicts);
        Assert.Equal(
        [
            "_hookrelay.web-1.example.org. TXT", "web-1.example.org. A", "_hookrelay.5.0.0.10.in-addr.arpa. TXT", "5.0.0.10.in-addr.arpa. PTR",
        ], plan.Changes.Select(c => c.Change.Key.ToString()));
        Assert.All(plan.Changes, c => Assert.Equal(ChangeKind.Create, c.Kind));
        var ptr = Assert.IsType<RecordChange.Replace>(plan.Changes[3].Change);
        Assert.Equal(["web-1.example.org."], ptr.Set.Values);
    }

    [Fact]
    public void What_is_already_right_plans_nothing()
    {
        var first = Plan([Instance("web-1.example.org", "10.0.0.5")], ["web-1.example.org"], []);
        var zone = first.Changes.Select(c => ((RecordChange.Replace)c.Change).Set);

        var again = Plan([Instance("web-1.example.org", "10.0.0.5")], ["web-1.example.org"], zone);

        Assert.True(again.IsEmpty);
        Assert.Equal("nothing to change\n", again.Describe());
    }

    [Fact]
    public void A_changed_address_updates_the_a_record_and_moves_the_ptr()
    {
        RecordSet[] zone =
        [
            OwnerOf("web-1.example.org.", "web-1.example.org"), Set("web-1.example.org.", "A", "10.0.0.5"),
            OwnerOf("5.0.0.10.in-addr.arpa.", "web-1.example.org"), Set("5.0.0.10.in-addr.arpa.", "PTR", "web-1.example.org."),
        ];

        var plan = Plan([Instance("web-1.example.org", "10.0.0.6")], ["web-1.example.org"], zone);

        Assert.Empty(plan.Conflicts);
        Assert.Contains(plan.Changes, c => c.Kind == ChangeKind.Update && c.Change is RecordChange.Replace { Set: { Type: "A", Values: ["10.0.0.6"] } });
        Assert.Contains(plan.Changes, c => c.Kind == ChangeKind.Create && c.Change.Key.ToString() == "6.0.0.10.in-addr.arpa. PTR");
        Assert.Contains(plan.Changes, c => c.Kind == ChangeKind.Delete && c.Change.Key.ToString() == "5.0.0.10.in-addr.arpa. PTR");
        Assert.Contains(plan.Changes, c => c.Kind == ChangeKind.Delete && c.Change.Key.ToString() == "_hookrelay.5.0.0.10.in-addr.arpa. TXT");
    }

    [Fact]
    public void A_name_someone_else_wrote_is_a_conflict_and_left_alone()
    {
        RecordSet[] zone = [Set("web-1.example.org.", "A", "192.0.2.99")];

        var plan = Plan([Instance("web-1.example.org", "10.0.0.5")], ["web-1.example.org"], zone);

        var conflict = Assert.Single(plan.Conflicts);
        Assert.Equal("web-1.example.org.", conflict.Name);
        Assert.Contains("192.0.2.99", conflict.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(plan.Changes, c => c.Change.Key.Name == "web-1.example.org.");
        // The PTR, which nobody holds, is still written.
        Assert.Contains(plan.Changes, c => c.Change.Key.ToString() == "5.0.0.10.in-addr.arpa. PTR");
    }

    [Fact]
    public void Records_exactly_as_wanted_are_adopted_by_adding_only_the_owner_record()
    {
        RecordSet[] zone = [Set("web-1.example.org.", "A", "10.0.0.5")];

        var plan = Plan([Instance("web-1.example.org", "10.0.0.5")], ["web-1.example.org"], zone);

        Assert.Empty(plan.Conflicts);
        var adopt = Assert.Single(plan.Changes, c => c.Change.Key.Name.EndsWith("web-1.example.org.", StringComparison.Ordinal));
        Assert.Equal(ChangeKind.Adopt, adopt.Kind);
        Assert.Equal("_hookrelay.web-1.example.org. TXT", adopt.Change.Key.ToString());
    }

    [Fact]
    public void Another_owners_records_are_never_taken()
    {
        RecordSet[] zone = [OwnerOf("web-1.example.org.", "web-1.example.org", owner: "other-cluster"), Set("web-1.example.org.", "A", "10.0.0.5")];

        var plan = Plan([Instance("web-1.example.org", "10.0.0.5")], ["web-1.example.org"], zone);

        Assert.Contains("other-cluster", Assert.Single(plan.Conflicts).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_removed_instance_loses_exactly_its_own_records()
    {
        RecordSet[] zone =
        [
            OwnerOf("web-1.example.org.", "web-1.example.org"), Set("web-1.example.org.", "A", "10.0.0.5"),
            Set("web-1.example.org.", "TXT", "v=spf1 -all"),
            OwnerOf("web-2.example.org.", "web-2.example.org"), Set("web-2.example.org.", "A", "10.0.0.7"),
        ];

        var plan = Plan([], ["web-1.example.org"], zone);

        Assert.Equal(["web-1.example.org. A", "_hookrelay.web-1.example.org. TXT"], plan.Changes.Select(c => c.Change.Key.ToString()));
        Assert.All(plan.Changes, c => Assert.Equal(ChangeKind.Delete, c.Kind));
    }

    [Fact]
    public void A_rename_moves_the_records_and_the_ptr_to_the_new_name()
    {
        RecordSet[] zone =
        [
            OwnerOf("web-1.example.org.", "web-1.example.org"), Set("web-1.example.org.", "A", "10.0.0.5"),
            OwnerOf("5.0.0.10.in-addr.arpa.", "web-1.example.org"), Set("5.0.0.10.in-addr.arpa.", "PTR", "web-1.example.org."),
        ];

        var plan = Plan([Instance("web-9.example.org", "10.0.0.5")], ["web-1.example.org", "web-9.example.org"], zone);

        Assert.Empty(plan.Conflicts);
        Assert.Contains(plan.Changes, c => c.Change is RecordChange.Replace { Set: { Name: "5.0.0.10.in-addr.arpa.", Values: ["web-9.example.org."] } });
        Assert.Contains(plan.Changes, c => c.Change is RecordChange.Replace { Set: { Name: "_hookrelay.5.0.0.10.in-addr.arpa." } } r && r.Set.Values[0].EndsWith("instance=web-9.example.org", StringComparison.Ordinal));
        Assert.Contains(plan.Changes, c => c.Kind == ChangeKind.Delete && c.Change.Key.ToString() == "web-1.example.org. A");
        Assert.Contains(plan.Changes, c => c.Kind == ChangeKind.Create && c.Change.Key.ToString() == "web-9.example.org. A");
    }

    [Fact]
    public void A_name_owned_by_an_instance_outside_the_plan_is_a_conflict()
    {
        RecordSet[] zone = [OwnerOf("5.0.0.10.in-addr.arpa.", "web-2.example.org"), Set("5.0.0.10.in-addr.arpa.", "PTR", "web-2.example.org.")];

        var plan = Plan([Instance("web-1.example.org", "10.0.0.5")], ["web-1.example.org"], zone);

        Assert.Contains("web-2.example.org", Assert.Single(plan.Conflicts).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_name_outside_every_zone_is_a_problem_not_a_write()
    {
        var plan = Plan([Instance("web-1.elsewhere.net", "10.0.0.5")], ["web-1.elsewhere.net"], []);

        Assert.Empty(plan.Changes);
        Assert.Contains("in none of the zones", Assert.Single(plan.Problems), StringComparison.Ordinal);
    }
}
