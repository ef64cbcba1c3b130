using System;
using System.Globalization;
using Xunit;

namespace GradGen.Tests.Runtime;

/// <summary>
/// The worker pool's contract under contention (<see cref="WorkerPoolCheck"/>): every chunk of a job runs exactly once,
/// with the job's own chunk count, and <see cref="WorkerPool.Run"/> returns only after all of them have finished — while
/// other threads start jobs back to back. A chunk that ran in a job its owner did not wait for is what corrupted the heap
/// in the CI runs of 2026-12-07 (a worker holding a finished job's state paired it with the next job's chunk count).
/// With that race's window widened by delays, the old pool hung here within seconds; the fixed one passes.
/// </summary>
public class WorkerPoolTests
{
    private const int MinimumJobs = 2_000;

    [Fact]
    public void Every_chunk_runs_once_and_Run_waits_for_all_while_threads_contend()
    {
        // A longer run: GRADGEN_POOL_THREADS / GRADGEN_POOL_SECONDS (CI: 4 threads, each at least 2,000 jobs and 3 s —
        // a quiet machine runs many thousand per thread; the minimum keeps the check whole on a loaded one).
        int threads = int.Parse(Environment.GetEnvironmentVariable("GRADGEN_POOL_THREADS") ?? "4", CultureInfo.InvariantCulture);
        double seconds = double.Parse(Environment.GetEnvironmentVariable("GRADGEN_POOL_SECONDS") ?? "3", CultureInfo.InvariantCulture);
        var (jobs, violations, finished) = WorkerPoolCheck.Run(threads, MinimumJobs, TimeSpan.FromSeconds(seconds), hangGuard: TimeSpan.FromMinutes(2));
        Assert.True(finished, $"a thread did not finish its jobs within 2 minutes of the end: the pool hung (after {jobs} jobs)");
        Assert.True(violations.Length == 0, $"after {jobs} jobs: " + string.Join("; ", violations));
        Assert.True(jobs >= threads * MinimumJobs, $"only {jobs} jobs ran");
    }
}
