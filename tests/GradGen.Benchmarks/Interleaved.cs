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
            var times = Rounds(runs, rounds, calls, warmup: calls);
            Console.WriteLine($"{m}×{k}×{n}:");
            for (int j = 0; j < runs.Count; j++)
            {
                double flops = 2.0 * m * n * k;
                Console.WriteLine($"  {names[j],-26} best {flops / times[j][0] / 1e9,6:F1} GFLOP/s, median {flops / times[j][rounds / 2] / 1e9,6:F1}");
            }
        }
        // Double: before issue 14, the portable Vector<T> kernel on one thread; after, the packed kernel (parallel).
        foreach (int size in new[] { 128, 256, 512 })
        {
            double[] a = GC.AllocateArray<double>(size * size, pinned: true), b = GC.AllocateArray<double>(size * size, pinned: true), c = GC.AllocateArray<double>(size * size, pinned: true);
            var random = new Random(size);
            for (int i = 0; i < a.Length; i++) (a[i], b[i]) = (random.NextDouble() - 0.5, random.NextDouble() - 0.5);
            Action before = () => { Array.Clear(c); Gemm.MultiplyAccumulate<double>(size, size, size, a, size, 1, b, size, 1, c, size); };
            Action after = () => { fixed (double* pa = a, pb = b, pc = c) Sgemm.Multiply(size, size, size, pa, size, 1, pb, size, 1, pc, size, true); };
            Compare($"double {size}³", 2.0 * size * size * size, rounds, ("before (Vector<T>, 1 thread)", before), ($"after ({(int)SimdWidth.Gemm}-bit packed)", after));
        }
        Console.WriteLine($"load: {System.IO.File.ReadAllText("/proc/loadavg").Trim()}");
    }

    private static void Compare(string title, double flops, int rounds, params (string Name, Action Run)[] contenders)
    {
        int calls = Math.Max(1, (int)(2e8 / flops));
        var times = Rounds(Array.ConvertAll(contenders, c => c.Run), rounds, calls, warmup: calls);
        Console.WriteLine($"{title}:");
        for (int j = 0; j < contenders.Length; j++)
        {
            Console.WriteLine($"  {contenders[j].Name,-32} best {flops / times[j][0] / 1e9,6:F1} GFLOP/s, median {flops / times[j][rounds / 2] / 1e9,6:F1}");
        }
    }

    /// <summary>
    /// The interleaving every runner here shares: each contender runs <paramref name="warmup"/> times, then, round after
    /// round, <paramref name="calls"/> times in turn, so a machine others use slows all of them alike. Returns, per
    /// contender, the seconds per call of each round, sorted (best first; the median at <c>rounds / 2</c>).
    /// </summary>
    internal static double[][] Rounds(System.Collections.Generic.IReadOnlyList<Action> runs, int rounds, int calls, int warmup)
    {
        var times = new double[runs.Count][];
        for (int j = 0; j < runs.Count; j++)
        {
            times[j] = new double[rounds];
            for (int i = 0; i < warmup; i++) runs[j]();
        }
        for (int r = 0; r < rounds; r++)
        {
            for (int j = 0; j < runs.Count; j++)
            {
                var clock = Stopwatch.StartNew();
                for (int i = 0; i < calls; i++) runs[j]();
                times[j][r] = clock.Elapsed.TotalSeconds / calls;
            }
        }
        foreach (var t in times) Array.Sort(t);
        return times;
    }
}
