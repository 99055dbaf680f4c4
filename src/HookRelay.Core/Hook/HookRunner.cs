using System.Diagnostics;
using HookRelay.Events;
using HookRelay.Gates;
using HookRelay.Logging;
using HookRelay.Outbox;
using HookRelay.Rules;

namespace HookRelay.Hook;

/// <summary>
/// Hook mode: what runs when Ganeti executes hookrelay from a hooks directory. It turns the
/// environment into an event, plans, hands deliveries over, and exits by the phase rules: a
/// post hook exits 0 whatever the sinks do; a pre hook exits non-zero only to deny.
/// </summary>
public static class HookRunner
{
    /// <summary>The configuration a hook reads: $HOOKRELAY_CONFIG, else the default path.</summary>
    public static string ConfigPath => HookRelayConfig.ConfiguredPath;

    /// <param name="askHttpPolicies">How this binary asks gates' http policies: in process in
    /// hookrelay, through a hookrelay child in the lean hook (which has no HTTP stack).</param>
    public static int Run(HttpPolicyAsk askHttpPolicies)
    {
        var started = Stopwatch.GetTimestamp();
        var startedTicks = Environment.TickCount64;
        var vars = HookEnvironment.Only(HookEventParser.RunVariables);
        var phase = vars.GetValueOrDefault("GANETI_HOOKS_PHASE") ?? "";
        var label = $"{vars.GetValueOrDefault("GANETI_HOOKS_PATH") ?? "?"}-{phase}";
        var policy = ErrorPolicy.Allow;
        try
        {
            var run = ConfigFor(vars, label);
            if (run.Config is not { } config)
            {
                return RunIdle(run, started);
            }
            policy = config.Hook.OnInternalError;
            // Started only for a run with something to do: reading two local files cannot hang the
            // job, while locks, gates and the outbox can; an idle run (most runs) saves the thread.
            using var budget = new HookBudget(config.Hook.Budget, label, () => InternalErrorExit(phase, policy), startedTicks);
            var exit = RunWith(config, HookEnvironment.GanetiVariables(), label, budget, askHttpPolicies, out var ev, out var outcome);
            Journal(run, started, ev.Hook, ev.Phase, ev.Node.Name, ev.Target, exit, outcome, ev.Gates);
            return exit;
        }
        catch (ConfigException e)
        {
            // Without any good configuration not even on_internal_error is known: allow, and say so.
            var allowed = phase == "pre" ? ", the operation is allowed" : "";
            return Fail(phase, policy, $"{label}: configuration unusable and no good one was ever loaded on this node: nothing done{allowed}: {e.Summary}");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return Fail(phase, policy, $"{label}: internal error, nothing done: {e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>
    /// The configuration this run uses: the compiled snapshot of the file as it is (compiled and
    /// saved now if there is none yet), or, while the file is broken, the last good one. Throws
    /// <see cref="ConfigException"/> when the file is broken and no good configuration was ever saved.
    /// </summary>
    private static ConfigSnapshot.Run ConfigFor(OrdinalDictionary vars, string label)
    {
        var hook = vars.GetValueOrDefault("GANETI_HOOKS_PATH") ?? "";
        var phase = vars.GetValueOrDefault("GANETI_HOOKS_PHASE") ?? "";
        var version = vars.GetValueOrDefault("GANETI_HOOKS_VERSION") ?? "";
        try
        {
            return LastGoodConfig.Current(ConfigPath).For(hook, phase, version);
        }
        catch (ConfigException e)
        {
            if (LastGoodConfig.RecallSnapshot(ConfigPath) is not { } lastGood)
            {
                throw;
            }
            // Loud, every run, in the job output and syslog: the operator must fix the file.
            HookLog.Error($"{label}: configuration unusable: {e.Summary}; running with the last good one ({lastGood.CopyPath}, saved {lastGood.SavedUtc:yyyy-MM-dd HH:mm:ss}Z)");
            return lastGood.Snapshot.For(hook, phase, version);
        }
    }

    /// <summary>A run no route, gate or action can apply to: only the journal hears of it.</summary>
    private static int RunIdle(ConfigSnapshot.Run run, long started)
    {
        if (run.Journal)
        {
            var vars = HookEnvironment.Only(HookEventParser.IdleRunVariables);
            var node = NodeNames.Local(run.NodeName);
            Journal(run, started, vars.GetValueOrDefault("GANETI_HOOKS_PATH") ?? "", vars.GetValueOrDefault("GANETI_HOOKS_PHASE") ?? "",
                node, HookEventParser.TargetOf(vars, node), HookExitCodes.Ok, RunOutcome.NothingToSend);
        }
        return HookExitCodes.Ok;
    }

    /// <summary>The run's line in state_dir/hook-runs.jsonl, unless hook.journal is off.</summary>
    private static void Journal(ConfigSnapshot.Run run, long started, string hook, string phase, string node, string? target, int exit, RunOutcome outcome,
        IReadOnlyList<GateResult>? gates = null)
    {
        if (run.Journal)
        {
            RunJournal.Write(run.StateDir, new RunJournal.Entry(DateTimeOffset.UtcNow, hook, phase, node, target, exit,
                Stopwatch.GetElapsedTime(started).TotalMilliseconds, outcome, gates));
        }
    }

    private static int RunWith(HookRelayConfig config, OrdinalDictionary vars, string label, HookBudget budget,
        HttpPolicyAsk askHttpPolicies, out HookEvent ev, out RunOutcome outcome)
    {
        var started = DateTimeOffset.UtcNow;
        var node = NodeNames.Local(config.NodeName);
        ev = HookEventParser.Parse(vars, node);
        if (ev.Phase == "post")
        {
            ev = ev with { Timing = RunMarkers.TakeTiming(config.StateDir, ev, node, started) };
        }
        if (!ev.KnownHook)
        {
            HookLog.Warning($"{label}: hooks path '{ev.Hook}' version '{ev.HooksVersion}' is not in the catalog; handled as a generic event");
        }
        var plan = Planner.Plan(config, ev);
        foreach (var pending in plan.Actions.Where(d => d.Applies && NodeActionTriggers.Find(d.Name)?.Runs != true))
        {
            // Configured and matching, but not built yet: say so where operators look, not in the job log.
            Syslog.Write(Syslog.Severity.Warning, $"{label}: action '{pending.Name}' applies but this version does not run it yet");
        }
        (plan, var verdicts) = GateEvaluator.Decide(config, plan, DateTimeOffset.UtcNow, askHttpPolicies, budget.Token);
        ev = plan.Event;
        var denial = verdicts.FirstOrDefault(v => !v.Allowed);
        foreach (var failed in verdicts.Where(v => v.Outcome is GateOutcome.Error or GateOutcome.Timeout && v.Allowed))
        {
            // Let through by on_error: allow. Not the operator's business in the job output, but the admin's.
            Syslog.Write(Syslog.Severity.Warning, $"{label}: gate '{failed.Gate}' could not decide: {failed.Reason}");
        }
        var exit = HookExitCodes.Ok;
        if (denial is not null)
        {
            // The one line the operator sees in the failed job, and in syslog.
            HookLog.Verdict(denial.Sentence);
            exit = HookExitCodes.Denied;
        }
        else if (ev.Phase == "pre" && Planner.WantsTiming(config, ev.Hook))
        {
            RunMarkers.MarkStart(config.StateDir, ev, node, started);
        }
        var sinks = string.Join(", ", plan.Deliveries.Select(d => d.Sink).Distinct(StringComparer.Ordinal));
        outcome = new RunOutcome(denial is not null ? RunOutcome.Denied : plan.Deliveries.Count == 0 ? RunOutcome.Nothing : RunOutcome.Queued,
            (denial is null ? "" : $"denied by gate '{denial.Gate}'; ") + (plan.Deliveries.Count == 0 ? "nothing to send" : $"queued for {sinks}"));
        if (plan.Deliveries.Count == 0)
        {
            return exit;
        }
        var record = HookRecord.For(ev, node, DateTimeOffset.UtcNow);
        try
        {
            OutboxWriter.Enqueue(config.StateDir, new OutboxOptions(config.Delivery.Fsync, budget.Remaining, config.Delivery.MaxDbBytes), record, ev, plan.Deliveries);
        }
        catch (OutboxException e)
        {
            // The event could not be made durable. Say exactly which one, so it can be redone by hand.
            outcome = new RunOutcome(RunOutcome.Error, $"NOT queued for {sinks}: {e.Message}");
            return Fail(ev.Phase, config.Hook.OnInternalError,
                $"{label}: event {record.EventId} ({CloudEvent.TypeOf(ev)}, {ev.Target ?? "no target"}) NOT queued for {sinks}: {e.Message}");
        }
        outcome = outcome with { EventId = record.EventId };
        DeliveryStarter.Kick(config);
        return exit;
    }

    private static int Fail(string phase, ErrorPolicy policy, string message)
    {
        HookLog.Error(message);
        return InternalErrorExit(phase, policy);
    }

    /// <summary>Post hooks never fail the operator; pre hooks follow on_internal_error (default allow).</summary>
    private static int InternalErrorExit(string phase, ErrorPolicy policy) =>
        phase == "pre" && policy == ErrorPolicy.Deny ? HookExitCodes.InternalErrorDenied : HookExitCodes.Ok;
}
