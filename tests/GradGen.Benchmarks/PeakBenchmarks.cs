using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;

namespace GradGen.Benchmarks;

/// <summary>
/// The machine's FP32 peak, measured with an FMA throughput probe: twelve independent 256-bit FMA chains (enough to
/// cover the FMA latency on both pipes), <see cref="Iterations"/> rounds = Iterations × 12 × 16 flops per thread.
/// GFLOP/s = flops / median time; docs/performance.md quotes kernels against it.
/// </summary>
[MedianColumn, MinColumn]
public class PeakBenchmarks
{
    /// <summary>Rounds per thread: 12 × 16 = 192 flops each, 1.92 GFLOP in total.</summary>
    public const int Iterations = 10_000_000;

    [Benchmark(Description = "FMA probe, 1 thread (1.92 GFLOP)")]
    public float OneThread() => Probe(1f);

    [Benchmark(Description = "FMA probe, 2 threads (3.84 GFLOP)")]
    public float TwoThreads()
    {
        var other = Task.Factory.StartNew(() => Probe(2f), TaskCreationOptions.LongRunning);
        return Probe(1f) + other.Result;
    }

    private static float Probe(float seed)
    {
        if (!Fma.IsSupported) return 0;
        Vector256<float> m = Vector256.Create(0.999f), a = Vector256.Create(1e-3f);
        Vector256<float> c0 = Vector256.Create(seed), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
        Vector256<float> c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (int i = 0; i < Iterations; i++)
        {
            c0 = Fma.MultiplyAdd(c0, m, a); c1 = Fma.MultiplyAdd(c1, m, a); c2 = Fma.MultiplyAdd(c2, m, a);
            c3 = Fma.MultiplyAdd(c3, m, a); c4 = Fma.MultiplyAdd(c4, m, a); c5 = Fma.MultiplyAdd(c5, m, a);
            c6 = Fma.MultiplyAdd(c6, m, a); c7 = Fma.MultiplyAdd(c7, m, a); c8 = Fma.MultiplyAdd(c8, m, a);
            c9 = Fma.MultiplyAdd(c9, m, a); c10 = Fma.MultiplyAdd(c10, m, a); c11 = Fma.MultiplyAdd(c11, m, a);
        }
        var sum = c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11;
        return Vector256.Sum(sum);
    }
}
