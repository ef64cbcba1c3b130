using System;
using System.Diagnostics;
using System.Numerics.Tensors;
using GradGen;

namespace GradGen.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project tests/GradGen.Benchmarks -- --interleaved [rounds]</c>: the float GEMM before
/// issue 14 (<see cref="LegacySgemm"/>) and after (each width this CPU runs in hardware, and <c>Ops.MatMul(a, b)</c> as a
/// user calls it), one call of each in turn per round, so a loaded machine slows all of them alike; prints the fastest
/// and the median GFLOP/s of each. For a before/after on a machine others use; BenchmarkDotNet for the rest.
/// </summary>
internal static unsafe class Interleaved
{
    public static void Run(int rounds)
    {
        Console.WriteLine(SimdWidth.Describe());
        Console.WriteLine($"load: {System.IO.File.ReadAllText("/proc/loadavg").Trim()}");
        var widths = new System.Collections.Generic.List<VectorWidth> { VectorWidth.W128 };
        if (SimdWidth.IsAccelerated(VectorWidth.W256)) widths.Add(VectorWidth.W256);
        if (SimdWidth.Gemm == VectorWidth.W512) widths.Add(VectorWidth.W512);
        foreach (var (m, k, n) in new[] { (64, 784, 256), (784, 64, 256), (128, 128, 128), (256, 256, 256), (512, 512, 512), (1024, 1024, 1024) })
        {
            float[] a = GC.AllocateArray<float>(m * k, pinned: true), b = GC.AllocateArray<float>(k * n, pinned: true), c = GC.AllocateArray<float>(m * n, pinned: true);
            Data.Uniform(1, m * k, 1f).CopyTo(a, 0);
            Data.Uniform(2, k * n, 1f).CopyTo(b, 0);
            var ta = Data.Tensor(a, m, k);
            var tb = Data.Tensor(b, k, n);
            var names = new System.Collections.Generic.List<string> { "before (AVX2 kernel)" };
            var runs = new System.Collections.Generic.List<Action>
            {
                () => { fixed (float* pa = a, pb = b, pc = c) LegacySgemm.Multiply(m, n, k, pa, k, 1, pb, n, 1, pc, n, true); },
            };
            foreach (var w in widths)
            {
                names.Add($"after, {(int)w}-bit kernel");
                runs.Add(() => { fixed (float* pa = a, pb = b, pc = c) Sgemm.Multiply(w, m, n, k, pa, k, 1, pb, n, 1, pc, n, true); });
            }
            names.Add("after, Ops.MatMul(a, b)");
            runs.Add(() => Ops.MatMul(ta, tb));
            int calls = Math.Max(1, (int)(2e8 / (2.0 * m * n * k)));
            var times = new double[runs.Count, rounds];
            foreach (var run in runs) for (int i = 0; i < calls; i++) run();
            for (int r = 0; r < rounds; r++)
            {
                for (int j = 0; j < runs.Count; j++)
                {
                    var clock = Stopwatch.StartNew();
                    for (int i = 0; i < calls; i++) runs[j]();
                    times[j, r] = clock.Elapsed.TotalSeconds / calls;
                }
            }
            Console.WriteLine($"{m}×{k}×{n}:");
            for (int j = 0; j < runs.Count; j++)
            {
                var t = new double[rounds];
                for (int r = 0; r < rounds; r++) t[r] = times[j, r];
                Array.Sort(t);
                double flops = 2.0 * m * n * k;
                Console.WriteLine($"  {names[j],-26} best {flops / t[0] / 1e9,6:F1} GFLOP/s, median {flops / t[rounds / 2] / 1e9,6:F1}");
            }
        }
        Console.WriteLine($"load: {System.IO.File.ReadAllText("/proc/loadavg").Trim()}");
    }
}
