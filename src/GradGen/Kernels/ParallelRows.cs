using System;

namespace GradGen;

/// <summary>The operands of a row kernel run by <see cref="ParallelRows"/>: pointers, targets, a row length, a scalar.</summary>
internal unsafe struct RowArgs<T> where T : unmanaged
{
    /// <summary>Operands, as the kernel defines them (null when unused).</summary>
    public T* A, B, C, D, E, F, G;

    /// <summary>Class indices, one per row (softmax cross-entropy), or null.</summary>
    public int* Targets;

    /// <summary>The length of a row (elements between consecutive rows).</summary>
    public int Length;

    /// <summary>A scalar operand (a scale, an eps).</summary>
    public T Scalar;

    /// <summary>The number of rows, for a kernel split over columns rather than rows (the bias-GELU backward), else unused.</summary>
    public int Rows;

    /// <summary>For a kernel split over columns: into how many contiguous column blocks ParallelRows' units divide the row.</summary>
    public int Parts;
}

/// <summary>
/// Runs a row kernel over independent rows on both cores when there are at least <see cref="MinElements"/> elements
/// (rows · length), in contiguous ranges of rows through <see cref="WorkerPool"/>; on one thread otherwise. The kernel
/// gets the operands and a range [start, end) of rows; ranges must write disjoint outputs. Allocates nothing.
/// </summary>
internal static unsafe class ParallelRows
{
    /// <summary>The fewest elements worth a fork/join.</summary>
    public const int MinElements = 1 << 15;

    /// <summary>Runs kernel(args, start, end) over rows [0, rows).</summary>
    public static void Run<T>(delegate*<RowArgs<T>*, int, int, void> kernel, RowArgs<T>* args, int rows) where T : unmanaged
        => Run(kernel, args, rows, (long)rows * args->Length);

    /// <summary>Runs kernel(args, start, end) over units [0, units) — rows, or column blocks — that hold <paramref name="elements"/> elements in all.</summary>
    public static void Run<T>(delegate*<RowArgs<T>*, int, int, void> kernel, RowArgs<T>* args, int rows, long elements) where T : unmanaged
    {
        int chunks = elements >= MinElements && WorkerPool.Threads > 1 ? Math.Min(rows, 4 * WorkerPool.Threads) : 1;
        if (chunks <= 1)
        {
            kernel(args, 0, rows);
            return;
        }
        var job = Job<T>.Current ??= new Job<T>();
        job.Kernel = kernel;
        job.Args = args;
        job.Rows = rows;
        try
        {
            WorkerPool.Run(job, chunks);
        }
        finally
        {
            job.Kernel = null;
            job.Args = null;
        }
    }

    private sealed class Job<T> : IParallelJob where T : unmanaged
    {
        [ThreadStatic] public static Job<T>? Current;

        public delegate*<RowArgs<T>*, int, int, void> Kernel;
        public RowArgs<T>* Args;
        public int Rows;

        public void Run(int chunk, int chunks)
        {
            int start = (int)((long)Rows * chunk / chunks), end = (int)((long)Rows * (chunk + 1) / chunks);
            if (end > start) Kernel(Args, start, end);
        }
    }
}
