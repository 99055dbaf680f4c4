using System.Text;

namespace HookRelay.Sinks.NetBox;

/// <summary>What one write does, as the plan and `netbox reconcile` print it.</summary>
public enum NetBoxChangeKind
{
    Create,
    Update,
    Delete,
}

/// <summary>
/// One write to NetBox. <see cref="Apply"/> runs after the writes before it, so it may use what
/// they made (a new VM's id for its interfaces): those are kept in the <see cref="NetBoxWrites"/>.
/// </summary>
public sealed record NetBoxStep(string Instance, NetBoxChangeKind Kind, string What, string Detail, Func<NetBoxWrites, CancellationToken, Task> Apply)
{
    public override string ToString() => $"{Kind.ToString().ToLowerInvariant()} {What}{(Detail.Length > 0 ? $" ({Detail})" : "")}";
}

/// <summary>Ids the writes of one instance's plan made, for the writes after them.</summary>
public sealed class NetBoxWrites
{
    public long? VirtualMachineId { get; set; }

    public Dictionary<string, long> Interfaces { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, long> Addresses { get; } = new(StringComparer.Ordinal);
}

/// <summary>
/// The writes that make NetBox hold what the instances are, and what was left alone and why (an
/// address NetBox has on another object). Empty when NetBox already agrees: a retry or a second
/// copy of an event writes nothing.
/// </summary>
public sealed class NetBoxPlan
{
    public List<NetBoxStep> Steps { get; } = [];

    public List<string> Problems { get; } = [];

    public bool IsEmpty => Steps.Count == 0;

    public string Counts => string.Join(", ", Steps.GroupBy(s => s.Kind).OrderBy(g => g.Key).Select(g => $"{g.Count()} {g.Key.ToString().ToLowerInvariant()}"));

    public void Add(NetBoxPlan other)
    {
        Steps.AddRange(other.Steps);
        Problems.AddRange(other.Problems);
    }

    /// <summary>Applies the steps in order, instance by instance, each instance's writes sharing their ids.</summary>
    public async Task ApplyAsync(CancellationToken cancellationToken)
    {
        var writes = new Dictionary<string, NetBoxWrites>(StringComparer.Ordinal);
        foreach (var step in Steps)
        {
            if (!writes.TryGetValue(step.Instance, out var made))
            {
                writes[step.Instance] = made = new NetBoxWrites();
            }
            await step.Apply(made, cancellationToken).ConfigureAwait(false);
        }
    }

    public string Describe()
    {
        var text = new StringBuilder();
        foreach (var group in Steps.GroupBy(s => s.Instance))
        {
            text.Append(group.Key).Append('\n');
            foreach (var step in group)
            {
                text.Append("  ").Append(step).Append('\n');
            }
        }
        foreach (var problem in Problems)
        {
            text.Append("left alone: ").Append(problem).Append('\n');
        }
        return text.ToString();
    }
}
