using HookRelay.Logging;
using HookRelay.Posix;

namespace HookRelay.Hook;

/// <summary>
/// The hook's total time budget. A hook holds Ganeti's locks while it runs, so when the budget is
/// spent the process says so in one line and exits by the phase rules, whatever it was waiting on.
/// The clock is watched by a POSIX timer (<see cref="PosixTimer"/>), not a System.Threading.Timer:
/// the runtime's timer queue costs a hook run about 0.3 ms to set up (its thread, and calibrating
/// how to tell which processor a thread is on), while the POSIX timer's thread is the C library's
/// and enters .NET only when the budget runs out.
/// </summary>
public sealed class HookBudget : IDisposable
{
    private readonly CancellationTokenSource _cancellation = new();
    private readonly string _label;
    private readonly Func<int> _exitCode;
    private readonly long _startedAt;
    private readonly object _gate = new();
    private readonly TimeSpan _budget;
    private readonly PosixTimer _timer;
    private bool _done;

    /// <param name="startedAt">When the run started (<see cref="Environment.TickCount64"/>): the budget counts from there.</param>
    public HookBudget(TimeSpan budget, string label, Func<int> exitCode, long startedAt)
    {
        _startedAt = startedAt;
        _label = label;
        _exitCode = exitCode;
        _budget = budget;
        var left = Math.Max(0, (long)budget.TotalMilliseconds - (Environment.TickCount64 - startedAt));
        _timer = PosixTimer.Start(TimeSpan.FromMilliseconds(left), Expire);
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

    private void Expire()
    {
        lock (_gate)
        {
            if (_done)
            {
                return;
            }
        }
        try
        {
            _cancellation.Cancel();
            HookLog.Error($"{_label}: gave up after the hook budget of {_budget.TotalSeconds:0.###}s; nothing more was done");
        }
        finally
        {
            // Exits even when reporting failed: the budget is what lets go of Ganeti's locks.
            Environment.Exit(_exitCode());
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _done = true;
        }
        _timer.Dispose();
    }
}
