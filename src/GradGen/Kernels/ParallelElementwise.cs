using System;

namespace GradGen;

/// <summary>
/// Runs an element-wise kernel over both cores when the data is large (at least <see cref="MinLength"/> elements),
/// in chunks of whole vectors through <see cref="WorkerPool"/>; on one thread otherwise. The kernel sees pointers to
/// the chunk's first element of each operand and the chunk's length; chunks write disjoint outputs. Allocates nothing.
/// </summary>
internal static unsafe class ParallelElementwise
{
    /// <summary>The fewest elements worth a fork/join (GELU: ≈ 25 µs of work on one core).</summary>
    public const int MinLength = 1 << 15;

    /// <summary>Runs kernel(a + i, b + i, c + i, count) over [0, length) in one or more chunks.</summary>
    public static void Run<T>(delegate*<T*, T*, T*, int, void> kernel, T* a, T* b, T* c, int length) where T : unmanaged
    {
        int chunks = length >= MinLength && WorkerPool.Threads > 1 ? Math.Min(4 * WorkerPool.Threads, length / (MinLength / 8)) : 1;
        if (chunks <= 1)
        {
            kernel(a, b, c, length);
            return;
        }
        var job = Job<T>.Current ??= new Job<T>();
        job.Kernel = kernel;
        job.A = a;
        job.B = b;
        job.C = c;
        job.Length = length;
        try
        {
            WorkerPool.Run(job, chunks);
        }
        finally
        {
            job.Kernel = null;
            job.A = job.B = job.C = null;
        }
    }

    /// <summary>
    /// Where chunk <paramref name="part"/> of <paramref name="parts"/> of <paramref name="total"/> elements starts: on
    /// multiples of 16 elements (a 512-bit vector of float), so only the last chunk ends in a partial vector.
    /// </summary>
    internal static long Boundary(long total, int part, int parts) => part == parts ? total : total * part / parts & ~15L;

    private sealed class Job<T> : IParallelJob where T : unmanaged
    {
        [ThreadStatic] public static Job<T>? Current;

        public delegate*<T*, T*, T*, int, void> Kernel;
        public T* A, B, C;
        public int Length;

        public void Run(int chunk, int chunks)
        {
            int start = (int)Boundary(Length, chunk, chunks), end = (int)Boundary(Length, chunk + 1, chunks);
            if (end > start) Kernel(Offset(A, start), Offset(B, start), Offset(C, start), end - start);
        }

        private static T* Offset(T* p, int i) => p is null ? null : p + i;
    }
}
