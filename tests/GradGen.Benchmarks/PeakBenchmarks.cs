using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;

namespace GradGen.Benchmarks;

/// <summary>
/// The machine's FP32 peak, measured with an FMA throughput probe at each vector width: twelve independent FMA chains
/// (enough to cover the FMA latency on both pipes), <see cref="Iterations"/> rounds = Iterations × 12 × 2 × lanes flops
/// per thread (1.92 GFLOP at 256 bits, 0.96 at 128, 3.84 at 512). GFLOP/s = flops / median time; docs/performance.md
/// quotes kernels against the widest width the machine runs in hardware. The 512-bit probe returns at once where the CPU
/// lacks AVX-512 (its time is then meaningless: software vectors).
/// </summary>
[MedianColumn, MinColumn]
public class PeakBenchmarks
{
    /// <summary>Rounds per thread.</summary>
    public const int Iterations = 10_000_000;

    [Params(128, 256, 512)]
    public int Width;

    [Benchmark(Description = "FMA probe, 1 thread")]
    public float OneThread() => Probe(Width, 1f);

    [Benchmark(Description = "FMA probe, 2 threads")]
    public float TwoThreads()
    {
        int width = Width;
        var other = Task.Factory.StartNew(() => Probe(width, 2f), TaskCreationOptions.LongRunning);
        return Probe(width, 1f) + other.Result;
    }

    private static float Probe(int width, float seed) => width switch
    {
        128 => Fma.IsSupported || System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported ? Probe128(seed) : 0,
        256 => Fma.IsSupported ? Probe256(seed) : 0,
        _ => Avx512F.IsSupported ? Probe512(seed) : 0,
    };

    private static float Probe128(float seed)
    {
        Vector128<float> m = Vector128.Create(0.999f), a = Vector128.Create(1e-3f);
        Vector128<float> c0 = Vector128.Create(seed), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
        Vector128<float> c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (int i = 0; i < Iterations; i++)
        {
            c0 = Fused.MultiplyAdd(c0, m, a); c1 = Fused.MultiplyAdd(c1, m, a); c2 = Fused.MultiplyAdd(c2, m, a);
            c3 = Fused.MultiplyAdd(c3, m, a); c4 = Fused.MultiplyAdd(c4, m, a); c5 = Fused.MultiplyAdd(c5, m, a);
            c6 = Fused.MultiplyAdd(c6, m, a); c7 = Fused.MultiplyAdd(c7, m, a); c8 = Fused.MultiplyAdd(c8, m, a);
            c9 = Fused.MultiplyAdd(c9, m, a); c10 = Fused.MultiplyAdd(c10, m, a); c11 = Fused.MultiplyAdd(c11, m, a);
        }
        return Vector128.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }

    private static float Probe256(float seed)
    {
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
        return Vector256.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }

    private static float Probe512(float seed)
    {
        Vector512<float> m = Vector512.Create(0.999f), a = Vector512.Create(1e-3f);
        Vector512<float> c0 = Vector512.Create(seed), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
        Vector512<float> c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (int i = 0; i < Iterations; i++)
        {
            c0 = Avx512F.FusedMultiplyAdd(c0, m, a); c1 = Avx512F.FusedMultiplyAdd(c1, m, a); c2 = Avx512F.FusedMultiplyAdd(c2, m, a);
            c3 = Avx512F.FusedMultiplyAdd(c3, m, a); c4 = Avx512F.FusedMultiplyAdd(c4, m, a); c5 = Avx512F.FusedMultiplyAdd(c5, m, a);
            c6 = Avx512F.FusedMultiplyAdd(c6, m, a); c7 = Avx512F.FusedMultiplyAdd(c7, m, a); c8 = Avx512F.FusedMultiplyAdd(c8, m, a);
            c9 = Avx512F.FusedMultiplyAdd(c9, m, a); c10 = Avx512F.FusedMultiplyAdd(c10, m, a); c11 = Avx512F.FusedMultiplyAdd(c11, m, a);
        }
        return Vector512.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }
}
