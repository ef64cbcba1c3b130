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
    }
}
