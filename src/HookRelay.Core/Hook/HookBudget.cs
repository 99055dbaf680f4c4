using HookRelay.Logging;

namespace HookRelay.Hook;

/// <summary>
/// The hook's total time budget. A hook holds Ganeti's locks while it runs, so when the budget is
/// spent the process says so in one line and exits by the phase rules, whatever it was waiting on.
/// A plain background thread watches the clock: a System.Threading.Timer would start the thread
/// pool, which costs the hook a measurable part of its start-up.
/// </summary>
public sealed class HookBudget : IDisposable
{
    private readonly CancellationTokenSource _cancellation = new();
    private readonly string _label;
    private readonly Func<int> _exitCode;
    private readonly long _startedAt;
    private readonly object _gate = new();
    private readonly TimeSpan _budget;
    private bool _done;

    /// <param name="startedAt">When the run started (<see cref="Environment.TickCount64"/>): the budget counts from there.</param>
    public HookBudget(TimeSpan budget, string label, Func<int> exitCode, long startedAt)
    {
        _startedAt = startedAt;
        _label = label;
        _exitCode = exitCode;
        _budget = budget;
        new Thread(Watch) { IsBackground = true, Name = "hook budget" }.Start();
    }

    public CancellationToken Token => _cancellation.Token;

    /// <summary>What is left of the budget, less a moment to report and exit in: how long a lock may be waited for.</summary>
    public TimeSpan Remaining
    {
        get
        {
            lock (_gate)
            {
                var left = (long)_budget.TotalMilliseconds - (Environment.TickCount64 - _startedAt) - 250;
                return TimeSpan.FromMilliseconds(Math.Max(100, left));
            }
        }
    }

    private void Watch()
    {
        lock (_gate)
        {
            while (!_done)
            {
                var remaining = (long)_budget.TotalMilliseconds - (Environment.TickCount64 - _startedAt);
                if (remaining <= 0)
                {
                    break;
                }
                Monitor.Wait(_gate, TimeSpan.FromMilliseconds(Math.Min(remaining, int.MaxValue)));
            }
            if (_done)
            {
                return;
            }
        }
        _cancellation.Cancel();
        HookLog.Error($"{_label}: gave up after the hook budget of {_budget.TotalSeconds:0.###}s; nothing more was done");
        Environment.Exit(_exitCode());
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _done = true;
            Monitor.PulseAll(_gate);
        }
    }
}
