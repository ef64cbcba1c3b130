using System;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace GradGen;

/// <summary>A unit of parallel work: <see cref="Run"/> is called once per part, each part on one thread.</summary>
internal interface IParallelJob
{
    /// <summary>Runs part <paramref name="part"/> of <paramref name="parts"/>; parts must touch disjoint outputs.</summary>
    void Run(int part, int parts);
}

/// <summary>
/// One fork/join per kernel call on dedicated worker threads (ProcessorCount − 1 of them; the caller runs part 0).
/// </summary>
/// <remarks>
/// <para>Why not <c>Parallel.For</c>: after a stretch of serial work, thread-pool workers have gone to sleep and take
/// ~80 µs to wake, more than a mid-sized matrix product takes. These workers spin for <see cref="SpinMilliseconds"/>
/// after each job before they block, so back-to-back kernels of a training step reach them awake.</para>
/// <para>One job runs at a time; a call made while another job is running (from another thread, or from inside a
/// job) runs all its parts inline on the calling thread, so results never depend on who ran which part. Running a
/// job allocates nothing.</para>
/// </remarks>
internal static class WorkerPool
{
    /// <summary>How long an idle worker spins waiting for the next job before it blocks.</summary>
    private const double SpinMilliseconds = 2.0;

    private static readonly Worker[] s_workers = CreateWorkers();
    private static readonly long s_spinTicks = (long)(SpinMilliseconds * Stopwatch.Frequency / 1000);

    private static int s_busy;
    private static IParallelJob? s_job;
    private static int s_parts;
    private static int s_pending;
    private static int s_generation;
    private static Exception? s_error;

    /// <summary>The number of threads a job can run on (the caller included).</summary>
    public static int MaxParts { get; } = s_workers.Length + 1;

    /// <summary>Runs <paramref name="job"/> as <paramref name="parts"/> parts (clamped to <see cref="MaxParts"/>) and waits for all of them.</summary>
    public static void Run(IParallelJob job, int parts)
    {
        parts = Math.Min(parts, MaxParts);
        if (parts <= 1 || Interlocked.CompareExchange(ref s_busy, 1, 0) != 0)
        {
            for (int p = 0; p < parts; p++) job.Run(p, parts);
            if (parts <= 0) job.Run(0, 1);
            return;
        }
        try
        {
            s_job = job;
            s_parts = parts;
            s_error = null;
            // Every worker acknowledges every job (those without a part just check in), so jobs never overlap.
            Volatile.Write(ref s_pending, s_workers.Length);
            Interlocked.Increment(ref s_generation);
            foreach (var worker in s_workers) worker.Wake();
            try
            {
                job.Run(0, parts);
            }
            finally
            {
                var wait = new SpinWait();
                while (Volatile.Read(ref s_pending) != 0) wait.SpinOnce(sleep1Threshold: -1);
            }
            if (s_error is { } error) ExceptionDispatchInfo.Capture(error).Throw();
        }
        finally
        {
            s_job = null;
            Volatile.Write(ref s_busy, 0);
        }
    }

    private static Worker[] CreateWorkers()
    {
        var workers = new Worker[Math.Max(0, Environment.ProcessorCount - 1)];
        for (int i = 0; i < workers.Length; i++) workers[i] = new Worker(i + 1);
        return workers;
    }

    private sealed class Worker
    {
        private readonly int _part;
        private readonly SemaphoreSlim _signal = new(0);
        private int _sleeping;
        private int _seen;

        public Worker(int part)
        {
            _part = part;
            var thread = new Thread(Loop) { IsBackground = true, Name = $"GradGen worker {part}" };
            thread.Start();
        }

        /// <summary>Called by the job's owner after publishing a new generation: releases the worker if it blocked.</summary>
        public void Wake()
        {
            if (Interlocked.Exchange(ref _sleeping, 0) == 1) _signal.Release();
        }

        private void Loop()
        {
            while (true)
            {
                WaitForJob();
                _seen = Volatile.Read(ref s_generation);
                try
                {
                    if (_part < s_parts) s_job!.Run(_part, s_parts);
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref s_error, e, null);
                }
                finally
                {
                    Interlocked.Decrement(ref s_pending);
                }
            }
        }

        private void WaitForJob()
        {
            long deadline = Stopwatch.GetTimestamp() + s_spinTicks;
            while (Volatile.Read(ref s_generation) == _seen)
            {
                if (Stopwatch.GetTimestamp() < deadline)
                {
                    Thread.SpinWait(20);
                    continue;
                }
                Volatile.Write(ref _sleeping, 1);
                if (Volatile.Read(ref s_generation) != _seen)
                {
                    // A job arrived while going to sleep: either we cancel the sleep, or the owner already released us.
                    if (Interlocked.Exchange(ref _sleeping, 0) == 0) _signal.Wait();
                    return;
                }
                _signal.Wait();
                return;
            }
        }
    }
}
