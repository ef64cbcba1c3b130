using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading;
using Xunit;

namespace GradGen.Tests.Runtime;

/// <summary>
/// The worker pool's contract under contention: every chunk of a job runs exactly once, with the job's own chunk count,
/// and <see cref="WorkerPool.Run"/> returns only after all of them have finished — while other threads start jobs back to
/// back. A chunk that runs twice, or after its Run returned, is what corrupted the heap in issue 14's CI runs (a worker
/// holding a finished job's state took a chunk of the next job; the extra completion let its owner return early, and the
/// straggler then wrote through pointers its owner had unpinned).
/// </summary>
public class WorkerPoolTests
{
    private sealed class CountingJob : IParallelJob
    {
        public int[] Runs = Array.Empty<int>();
        public int Chunks;
        public volatile bool Returned;
        public readonly ConcurrentQueue<string> Violations;

        public CountingJob(ConcurrentQueue<string> violations) => Violations = violations;

        public void Run(int chunk, int chunks)
        {
            if (chunks != Chunks) Violations.Enqueue($"chunk {chunk} ran with {chunks} chunks, the job has {Chunks}");
            if (chunk < 0 || chunk >= Chunks)
            {
                Violations.Enqueue($"chunk {chunk} is outside the job's {Chunks}");
                return;
            }
            Interlocked.Increment(ref Runs[chunk]);
            Thread.SpinWait(50 + 40 * chunk); // uneven chunks, so owners finish at different moments
            if (Returned) Violations.Enqueue($"chunk {chunk} was still running after its Run returned");
        }
    }

    [Fact]
    public void Every_chunk_runs_once_and_Run_waits_for_all_while_threads_contend()
    {
        var violations = new ConcurrentQueue<string>();
        long jobs = 0;
        var deadline = Stopwatch.StartNew();
        var threads = new Thread[int.Parse(Environment.GetEnvironmentVariable("GRADGEN_POOL_THREADS") ?? "4")];
        for (int t = 0; t < threads.Length; t++)
        {
            int seed = t;
            threads[t] = new Thread(() =>
            {
                var rng = new Random(seed);
                var job = new CountingJob(violations);
                // Long enough for many thousand back-to-back jobs per thread; a hang guard far above that.
                while (deadline.Elapsed < TimeSpan.FromSeconds(double.Parse(Environment.GetEnvironmentVariable("GRADGEN_POOL_SECONDS") ?? "3", System.Globalization.CultureInfo.InvariantCulture)) && violations.IsEmpty)
                {
                    job.Chunks = 2 + rng.Next(15);
                    job.Runs = new int[job.Chunks];
                    job.Returned = false;
                    WorkerPool.Run(job, job.Chunks);
                    job.Returned = true;
                    for (int c = 0; c < job.Chunks; c++)
                    {
                        if (job.Runs[c] != 1) violations.Enqueue($"chunk {c} of {job.Chunks} ran {job.Runs[c]} times");
                    }
                    Interlocked.Increment(ref jobs);
                }
            }) { IsBackground = true };
        }
        foreach (var thread in threads) thread.Start();
        foreach (var thread in threads) Assert.True(thread.Join(TimeSpan.FromMinutes(2)), "a thread did not finish its jobs: the pool hung");
        Assert.True(violations.IsEmpty, $"after {jobs} jobs: " + string.Join("; ", violations));
        Assert.True(jobs > 100, $"only {jobs} jobs ran");
    }
}
