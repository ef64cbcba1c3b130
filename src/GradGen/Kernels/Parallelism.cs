using System;
using System.Threading.Tasks;

namespace GradGen;

/// <summary>Splits large row-parallel kernels across cores; small ones run inline on the calling thread.</summary>
internal static class Parallelism
{
    /// <summary>Roughly the number of multiply-adds below which a task is not worth scheduling.</summary>
    private const long MinWorkPerTask = 1 << 16;

    /// <summary>
    /// Runs <paramref name="body"/>(start, end) over disjoint ranges covering [0, <paramref name="count"/>), in parallel
    /// when the total work (<paramref name="count"/> × <paramref name="workPerItem"/>) is large enough. Ranges are
    /// disjoint, so bodies that write only their own items need no synchronisation, and results do not depend on
    /// the number of tasks.
    /// </summary>
    public static void For(int count, long workPerItem, Action<int, int> body)
    {
        long total = count * Math.Max(1, workPerItem);
        int tasks = (int)Math.Min(Math.Min(Environment.ProcessorCount, count), total / MinWorkPerTask);
        if (tasks <= 1)
        {
            body(0, count);
            return;
        }
        Parallel.For(0, tasks, t => body((int)((long)count * t / tasks), (int)((long)count * (t + 1) / tasks)));
    }
}
