using System;
using System.Collections.Generic;
using GradGen;
using TorchSharp;

namespace GradGen.Benchmarks;

/// <summary>
/// <c>DOTNET_TieredCompilation=0 dotnet run -c Release --project tests/GradGen.Benchmarks -- --interleaved-gemm [rounds]</c>:
/// the products <see cref="MatMulBenchmarks"/> found weakest against LibTorch (the weight gradient Aᵀ·B, A read transposed;
/// the tall A·B of the MLP at batch 256), issue 14's 784×64×256 and TinyGpt's products, each as the pre-issue-14 AVX2 kernel (<see cref="LegacySgemm"/>,
/// A unpacked, fixed blocks), as users call GradGen (<c>Adjoint.MatMulRight</c> / <c>Ops.MatMul</c> into a given C) and
/// as LibTorch, GradGen's two in turn per round, then LibTorch's rounds (see below why not interleaved); prints best and median µs and GradGen / LibTorch. BenchmarkDotNet's
/// <see cref="MatMulBenchmarks"/> is the table of record; this is the quick before/after on a shared machine.
/// </summary>
internal static unsafe class InterleavedGemm
{
    public static void Run(int rounds)
    {
        Console.WriteLine($"{SimdWidth.Describe()}; worker threads: {WorkerPool.Threads}");
        Console.WriteLine($"load: {System.IO.File.ReadAllText("/proc/loadavg").Trim()}");
        Torch.Initialize();
        foreach (var (kind, m, k, n) in new[]
        {
            ("Aᵀ·B", 784, 256, 256), ("Aᵀ·B", 784, 64, 256), ("A·B", 784, 64, 256), ("A·B", 256, 784, 256), ("A·B", 64, 784, 256),
            ("A·B", 256, 256, 256), ("A·B", 256, 128, 384), ("Aᵀ·B", 128, 256, 384), ("A·B", 256, 512, 128), // TinyGpt's (B·T = 256, C = 128)
        })
        {
            bool transposed = kind == "Aᵀ·B";
            float[] a = GC.AllocateArray<float>(m * k, pinned: true), b = GC.AllocateArray<float>(k * n, pinned: true), c = GC.AllocateArray<float>(m * n, pinned: true);
            Data.Uniform(1, m * k, 1f).CopyTo(a, 0);
            Data.Uniform(2, k * n, 1f).CopyTo(b, 0);
            var ta = transposed ? Data.Tensor(a, k, m) : Data.Tensor(a, m, k);
            var tb = Data.Tensor(b, k, n);
            var tc = Data.Tensor(c, m, n);
            var torchA = torch.tensor(a, transposed ? new long[] { k, m } : new long[] { m, k });
            var torchB = torch.tensor(b, new long[] { k, n });
            nint aRow = transposed ? 1 : k, aInner = transposed ? m : 1;
            var runs = new List<Action>
            {
                () => { fixed (float* pa = a, pb = b, pc = c) LegacySgemm.Multiply(m, n, k, pa, aRow, aInner, pb, n, 1, pc, n, false); },
                () => { if (transposed) Adjoint.MatMulRight(ta, tb, tc); else Ops.MatMul(ta, tb, tc); },
            };
            // LibTorch's OpenMP threads spin for a while after each call and GradGen's workers for 2 ms: interleaved,
            // each would run against the other's spinning threads. So GradGen's two alternate, and LibTorch runs after.
            Action libTorch = () =>
            {
                using var scope = torch.NewDisposeScope();
                _ = (transposed ? torchA.t().mm(torchB) : torchA.mm(torchB)).shape[0];
            };
            int calls = Math.Max(1, (int)(5e7 / (2.0 * m * n * k)));
            var times = Interleaved.Rounds(runs, rounds, calls, warmup: calls);
            System.Threading.Thread.Sleep(50);
            times = [.. times, Interleaved.Rounds(new[] { libTorch }, rounds, calls, warmup: calls)[0]];
            System.Threading.Thread.Sleep(250);
            double flops = 2.0 * m * n * k;
            Console.WriteLine($"{kind} {m}×{k}×{n}:");
            string[] names = { "before (legacy AVX2 kernel)", "GradGen as users call it", "LibTorch" };
            for (int j = 0; j < times.Length; j++)
            {
                Console.WriteLine($"  {names[j],-28} best {times[j][0] * 1e6,8:F1} µs, median {times[j][rounds / 2] * 1e6,8:F1} µs ({flops / times[j][rounds / 2] / 1e9,5:F1} GFLOP/s)");
            }
            Console.WriteLine($"  GradGen / LibTorch: median {times[1][rounds / 2] / times[2][rounds / 2]:F2}, best {times[1][0] / times[2][0]:F2}; before / LibTorch: median {times[0][rounds / 2] / times[2][rounds / 2]:F2}");
        }
        Console.WriteLine($"load: {System.IO.File.ReadAllText("/proc/loadavg").Trim()}");
    }
}
