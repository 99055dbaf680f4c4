using HookRelay.Logging;

namespace HookRelay.Hook;

/// <summary>
/// The hook's total time budget. A hook holds Ganeti's locks while it runs, so when the budget is
/// spent the process says so in one line and exits by the phase rules, whatever it was waiting on.
/// </summary>
public sealed class HookBudget : IDisposable
{
    private readonly CancellationTokenSource _cancellation = new();
    private readonly string _label;
    private readonly Func<int> _exitCode;
    private readonly Timer _timer;
    private readonly long _startedAt = Environment.TickCount64;
    private TimeSpan _budget;

    public HookBudget(TimeSpan budget, string label, Func<int> exitCode)
    {
        _label = label;
        _exitCode = exitCode;
        _budget = budget;
        _timer = new Timer(_ => Expire(), null, budget, Timeout.InfiniteTimeSpan);
    }

    public CancellationToken Token => _cancellation.Token;

    /// <summary>Sets the total budget, counted from the start of the run, once the configuration says what it is.</summary>
    public void Reset(TimeSpan budget)
    {
        _budget = budget;
        var remaining = budget - TimeSpan.FromMilliseconds(Environment.TickCount64 - _startedAt);
        if (remaining < TimeSpan.Zero)
        {
            remaining = TimeSpan.Zero;
        }
        _timer.Change(remaining, Timeout.InfiniteTimeSpan);
        _cancellation.CancelAfter(remaining);
    }

    private void Expire()
    {
        HookLog.Error($"{_label}: gave up after the hook budget of {_budget.TotalSeconds:0.###}s; nothing more was done");
        Environment.Exit(_exitCode());
    }

    public void Dispose()
    {
        _timer.Dispose();
        _cancellation.Dispose();
    }
}
