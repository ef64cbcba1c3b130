using System;
using System.Linq;
using Xunit;

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

    /// <summary>
    /// Asserts that <paramref name="step"/> allocates nothing on this thread in steady state: runs it until ten calls in a
    /// row allocate nothing (at most 300 — the runtime's one-time work may allocate during the first calls; a step that
    /// allocates every time never gets there and fails), then measures <paramref name="measured"/> more, each of which
    /// must allocate 0 bytes.
    /// </summary>
    public static void NoneOnceWarm(Action step, int measured = 20)
    {
        int quiet = 0;
        long last = 0;
        for (var i = 0; i < 300 && quiet < 10; i++)
        {
            last = Of(step);
            quiet = last == 0 ? quiet + 1 : 0;
        }
        Assert.True(quiet == 10, $"no ten steps in a row without allocating in 300 steps (the last allocated {last} bytes)");
        var allocated = new long[measured];
        for (var i = 0; i < measured; i++) allocated[i] = Of(step);
        Assert.True(allocated.All(bytes => bytes == 0), "bytes allocated per measured step: " + string.Join(", ", allocated));
    }
}
