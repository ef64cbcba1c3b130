using System;

namespace GradGen.Tests.Infrastructure;

/// <summary>What the calling thread allocates while code runs, measured across a stretch without garbage collections.</summary>
/// <remarks>
/// <see cref="GC.GetAllocatedBytesForCurrentThread"/> over-reports by up to one allocation quantum when a collection
/// retires the thread's allocation context during the measurement (seen: ~7 KB attributed to a plain span clear while other
/// tests allocated, dotnet/runtime#63487 reports the same). So a measurement during which a collection ran is taken again;
/// the test project runs with blocking collections only, so <see cref="GC.CollectionCount"/> sees every one. A real
/// allocation shows in every measurement, with or without a collection.
/// </remarks>
internal static class Allocations
{
    /// <summary>The bytes <paramref name="action"/> allocated on this thread (measured again, up to ten times, while a collection interferes).</summary>
    public static long Of(Action action)
    {
        for (var attempt = 0; ; attempt++)
        {
            var collections = GC.CollectionCount(0);
            var before = GC.GetAllocatedBytesForCurrentThread();
            action();
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (GC.CollectionCount(0) == collections || attempt == 9) return allocated;
        }
    }
}
