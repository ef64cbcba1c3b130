using System.Runtime.CompilerServices;

// The kernel tests run every vector width on every machine (a width forced through an internal overload), and the
// benchmarks and the ARM64 agreement check name the width that ran: both need the kernels' internal entry points.
[assembly: InternalsVisibleTo("GradGen.Tests")]
[assembly: InternalsVisibleTo("GradGen.Benchmarks")]
[assembly: InternalsVisibleTo("GradGen.KernelCheck")]

namespace GradGen
{
    /// <summary>What the kernels did on this thread, for tests that count work (a skipped product must not run).</summary>
    internal static class KernelCounters
    {
        /// <summary>Matrix products (a MatMul or one of its adjoints, batched or not) run on this thread.</summary>
        [System.ThreadStatic] internal static long Products;

        /// <summary>Products run on this thread that packed a row-major A because its rows alias in L1 (PackedGemm.RowsAlias).</summary>
        [System.ThreadStatic] internal static long AliasedRowsPacked;
    }

    /// <summary>
    /// The worker pool's contract checked under contention, for the unit tests and the ARM64 agreement check (whose weaker
    /// memory ordering is where a pool race shows first): a few threads start jobs of 2–16 uneven
    /// chunks back to back, each at least a given number of jobs and for at least a given time; every chunk must run exactly once, with its job's chunk count,
    /// and <see cref="WorkerPool.Run"/> must return only after all of them finished.
    /// </summary>
    internal static class WorkerPoolCheck
    {
        /// <summary>Runs the check: the jobs run, what broke the contract (empty when nothing did), and whether every thread finished within <paramref name="hangGuard"/>.</summary>
        public static (long Jobs, string[] Violations, bool Finished) Run(int threads, int minimumJobsPerThread, System.TimeSpan duration, System.TimeSpan hangGuard)
        {
            var violations = new System.Collections.Concurrent.ConcurrentQueue<string>();
            long jobs = 0;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var workers = new System.Threading.Thread[threads];
            for (int t = 0; t < threads; t++)
            {
                int seed = t;
                workers[t] = new System.Threading.Thread(() =>
                {
                    var rng = new System.Random(seed);
                    var job = new CountingJob(violations);
                    for (int done = 0; (done < minimumJobsPerThread || clock.Elapsed < duration) && violations.IsEmpty; done++)
                    {
                        job.Start(2 + rng.Next(15));
                        WorkerPool.Run(job, job.Chunks);
                        job.Returned = true;
                        for (int c = 0; c < job.Chunks; c++)
                        {
                            if (job.Runs[c] != 1) violations.Enqueue($"chunk {c} of {job.Chunks} ran {job.Runs[c]} times");
                        }
                        System.Threading.Interlocked.Increment(ref jobs);
                    }
                }) { IsBackground = true };
            }
            foreach (var worker in workers) worker.Start();
            bool finished = true;
            foreach (var worker in workers) finished &= worker.Join(hangGuard);
            return (System.Threading.Interlocked.Read(ref jobs), violations.ToArray(), finished);
        }

        private sealed class CountingJob : IParallelJob
        {
            private readonly System.Collections.Concurrent.ConcurrentQueue<string> _violations;
            public int[] Runs = System.Array.Empty<int>();
            public int Chunks;
            public volatile bool Returned;

            public CountingJob(System.Collections.Concurrent.ConcurrentQueue<string> violations) => _violations = violations;

            public void Start(int chunks)
            {
                Chunks = chunks;
                Runs = new int[chunks];
                Returned = false;
            }

            public void Run(int chunk, int chunks)
            {
                if (chunks != Chunks) _violations.Enqueue($"chunk {chunk} ran with {chunks} chunks, the job has {Chunks}");
                if (chunk < 0 || chunk >= Chunks)
                {
                    _violations.Enqueue($"chunk {chunk} is outside the job's {Chunks}");
                    return;
                }
                System.Threading.Interlocked.Increment(ref Runs[chunk]);
                System.Threading.Thread.SpinWait(50 + 40 * chunk); // uneven chunks, so owners finish at different moments
                if (Returned) _violations.Enqueue($"chunk {chunk} was still running after its Run returned");
            }
        }
    }
}
