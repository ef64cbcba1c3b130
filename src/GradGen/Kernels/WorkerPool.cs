using System;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace GradGen;

/// <summary>A unit of parallel work split into chunks: <see cref="Run"/> is called exactly once per chunk.</summary>
internal interface IParallelJob
{
    /// <summary>Runs chunk <paramref name="chunk"/> of <paramref name="chunks"/>; chunks must write disjoint outputs.</summary>
    void Run(int chunk, int chunks);
}

/// <summary>
/// One fork/join per kernel call on dedicated worker threads (ProcessorCount − 1 of them) and the calling thread.
/// </summary>
/// <remarks>
/// <para>Why not <c>Parallel.For</c>: after a stretch of serial work, thread-pool workers have gone to sleep and take
/// ~80 µs to wake, more than a mid-sized matrix product takes. These workers spin for <see cref="SpinMilliseconds"/>
/// after each job before they block, so back-to-back kernels of a training step reach them awake.</para>
/// <para>Chunks are handed out dynamically: every participating thread, the caller included, takes the next chunk
/// until none is left. So a worker that the OS has not scheduled (a loaded machine) costs nothing but the chunk it
/// holds: the caller does the rest itself instead of waiting.</para>
/// <para>One job runs at a time; a call made while another job is running (from another thread, or from inside a
/// job) runs all its chunks inline, so results never depend on who ran which chunk. Running a job allocates nothing.</para>
/// </remarks>
internal static class WorkerPool
{
    /// <summary>How long an idle worker spins waiting for the next job before it blocks.</summary>
    private const double SpinMilliseconds = 2.0;

    private static readonly Worker[] s_workers = CreateWorkers();
    private static readonly long s_spinTicks = (long)(SpinMilliseconds * Stopwatch.Frequency / 1000);

    private static int s_busy;
    private static IParallelJob? s_job;
    private static int s_done;
    private static Exception? s_error;

    /// <summary>
    /// The job generation (bits 63–32), its number of chunks (bits 31–16) and the next chunk to hand out (bits 15–0),
    /// changed atomically. The count lives in the same word as the generation so that a worker still holding the state
    /// of a finished job cannot pair it with the next job's count: a worker that read (G, all taken) before the next
    /// owner published G + 1 once read the new count from a separate field, took a chunk that did not exist in G with a
    /// successful compare-exchange, ran it as a chunk of the new job and counted it there — the new job's owner could
    /// then return while a chunk still ran, writing through pointers its owner had unpinned (heap corruption), or wait
    /// forever for a count it had skipped. WorkerPoolTests checks the contract under contention.
    /// </summary>
    private static long s_state;

    /// <summary>The most chunks a job may have (the width of the count in <see cref="s_state"/>).</summary>
    private const int MaxChunks = 0xFFFF;

    /// <summary>The number of threads a job can run on (the caller included).</summary>
    public static int Threads { get; } = s_workers.Length + 1;

    /// <summary>Runs every chunk of <paramref name="job"/> and returns when all have finished.</summary>
    public static void Run(IParallelJob job, int chunks)
    {
        if (chunks <= 1 || chunks > MaxChunks || s_workers.Length == 0 || Interlocked.CompareExchange(ref s_busy, 1, 0) != 0)
        {
            for (int c = 0; c < chunks; c++) job.Run(c, chunks);
            return;
        }
        try
        {
            s_job = job;
            s_error = null;
            Volatile.Write(ref s_done, 0);
            long generation = (Volatile.Read(ref s_state) >>> 32) + 1 & 0xFFFF_FFFF; // wraps after 2³² jobs
            // A full fence: whoever reads this state sees the job, the cleared count and error above.
            Interlocked.Exchange(ref s_state, generation << 32 | (long)chunks << 16);
            foreach (var worker in s_workers) worker.Wake();
            RunChunks(generation);
            var wait = new SpinWait();
            while (Volatile.Read(ref s_done) != chunks) wait.SpinOnce(sleep1Threshold: -1);
            if (s_error is { } error) ExceptionDispatchInfo.Capture(error).Throw();
        }
        finally
        {
            s_job = null;
            Volatile.Write(ref s_busy, 0);
        }
    }

    /// <summary>Takes and runs chunks of job <paramref name="generation"/> until none is left (or a newer job started).</summary>
    private static void RunChunks(long generation)
    {
        while (true)
        {
            long state = Volatile.Read(ref s_state);
            if (state >>> 32 != generation) return;
            int chunk = (int)(state & MaxChunks), chunks = (int)(state >> 16 & MaxChunks);
            if (chunk >= chunks) return;
            if (Interlocked.CompareExchange(ref s_state, state + 1, state) != state) continue;
            // The chunk is ours and the job cannot finish without it, so s_job is still this generation's job.
            try
            {
                s_job!.Run(chunk, chunks);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref s_error, e, null);
            }
            finally
            {
                Interlocked.Increment(ref s_done);
            }
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
        private readonly SemaphoreSlim _signal = new(0);
        private int _sleeping;
        private long _seen;

        public Worker(int index)
        {
            var thread = new Thread(Loop) { IsBackground = true, Name = $"GradGen worker {index}" };
            thread.Start();
        }

        /// <summary>Called by the job's owner after publishing a new generation: releases the worker if it blocked.</summary>
        public void Wake()
        {
            if (Interlocked.Exchange(ref _sleeping, 0) == 1) _signal.Release();
        }

        private static long Generation => Volatile.Read(ref s_state) >>> 32;

        private void Loop()
        {
            while (true)
            {
                WaitForJob();
                _seen = Generation;
                RunChunks(_seen);
            }
        }

        private void WaitForJob()
        {
            long deadline = Stopwatch.GetTimestamp() + s_spinTicks;
            while (Generation == _seen)
            {
                if (Stopwatch.GetTimestamp() < deadline)
                {
                    Thread.SpinWait(20);
                    continue;
                }
                Interlocked.Exchange(ref _sleeping, 1); // a full fence: the generation is read after the flag is visible
                if (Generation != _seen)
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
