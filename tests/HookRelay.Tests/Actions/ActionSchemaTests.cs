using System.Text.Json.Nodes;
using HookRelay.Actions;
using HookRelay.Rules;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Actions;

/// <summary>
/// The published schema's actions definition is generated from the action declarations, and the
/// hook plans from its own trigger table: the three must agree. UPDATE_GOLDEN=1 writes the schema.
/// </summary>
public class ActionSchemaTests
{
    [Fact]
    public void Published_actions_definition_is_the_one_the_declarations_generate()
    {
        var generated = ActionSchema.Definition(ActionTypes.All);
        if (Regenerate.Golden)
        {
            PublishedSchema.Rewrite("actions", generated);
            return;
        }
        Assert.True(JsonNode.DeepEquals(PublishedSchema.Read()["$defs"]!["actions"], generated),
            "schema/hookrelay.schema.json differs from the action declarations (UPDATE_GOLDEN=1 rewrites it): " + generated.ToJsonString());
    }

    [Fact]
    public void Every_action_the_hook_can_plan_is_declared_and_runs_exactly_when_the_hook_queues_it()
    {
        Assert.Equal(NodeActionTriggers.All.Select(t => t.Name), ActionTypes.All.Select(t => t.Name));
        foreach (var type in ActionTypes.All)
        {
            Assert.Equal(type.Trigger.Runs, type.Runs);
        }
    }

    [Fact]
    public void Every_action_takes_enabled_matchers_and_the_retry_settings_once()
    {
        foreach (var type in ActionTypes.All)
        {
            var names = type.Keys.Select(k => k.Name).ToList();
            Assert.Equal(names.Distinct(StringComparer.Ordinal), names);
            Assert.Contains("enabled", names);
            Assert.Contains("matchers", names);
            Assert.Contains("max_attempts", names);
            Assert.DoesNotContain("rate_per_s", names);
        }
    }
}
