using System;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace GradGen.Tests.Robustness;

/// <summary>
/// Runs work on its own thread with a small stack and a time limit. A runaway recursion then overflows early and
/// deterministically (the test host dies with the guilty frames in its output) instead of depending on the pool
/// thread's stack, and a hang becomes a failure that names the case: the work gets a token cancelled at the limit,
/// and the generator and analyzer are expected to honour it. The limit is a hang guard, never a speed assertion: a
/// unit test must pass on a loaded two-core machine (speed is measured in benchmarks, docs/performance.md).
/// </summary>
public static class Isolated
{
    /// <summary>1 MiB: smaller than any host gives a compiler or IDE thread, so headroom here is headroom there.</summary>
    public const int StackSize = 1024 * 1024;

    /// <summary>
    /// 10 minutes: far beyond any case's time on a busy machine (the slowest takes seconds), short of a test run's patience.
    /// An exponential walk or an ignored cancellation still fails here, by name.
    /// </summary>
    public static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(10);

    /// <summary>Runs <paramref name="work"/> and returns its result and wall time; rethrows what it throws.</summary>
    /// <exception cref="TimeoutException">It neither finished nor honoured its cancellation within the hang guard (plus grace).</exception>
    public static (T Result, TimeSpan Elapsed) Run<T>(string what, Func<CancellationToken, T> work, int stackSize = StackSize)
    {
        var timeLimit = HangGuard;
        using var cancellation = new CancellationTokenSource(timeLimit);
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var stopwatch = Stopwatch.StartNew();
        var thread = new Thread(() =>
        {
            try
            {
                result = work(cancellation.Token);
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        }, stackSize)
        { IsBackground = true, Name = "Robustness: " + what };
        thread.Start();
        // The work is cancelled at the limit; give it a few seconds to notice before calling it a hang.
        if (!thread.Join(timeLimit + TimeSpan.FromSeconds(10)))
        {
            throw new TimeoutException(what + ": still running " + stopwatch.Elapsed.TotalSeconds.ToString("F0") + " s after start, " +
                "ignoring its cancellation token (a hang: the generator or analyzer does not check the token in some loop)");
        }
        stopwatch.Stop();
        if (failure is not null)
        {
            if (failure.SourceException is OperationCanceledException && cancellation.IsCancellationRequested)
            {
                throw new TimeoutException(what + ": did not finish within " + timeLimit.TotalMinutes + " minutes (cancelled at the hang guard)", failure.SourceException);
            }
            failure.Throw();
        }
        return (result, stopwatch.Elapsed);
    }
}
