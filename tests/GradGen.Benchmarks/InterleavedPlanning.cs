using System;
using System.Numerics.Tensors;
using GradGen;

namespace GradGen.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project tests/GradGen.Benchmarks -- --interleaved-planning [rounds]</c>: the MLP training
/// step (784 → 256 → 10) generated with planning, generated with <c>Plan = false</c>, hand-written with fused kernels, and
/// generated with planning asked to write its gradients (<c>overwrite: true</c>, no zeroing pass before it),
/// one batch of steps of each in turn per round, so a machine others use slows all three alike; prints the fastest and
/// the median µs per step of each and their ratios. For planned-versus-unplanned on a busy machine; BenchmarkDotNet for the rest.
/// </summary>
internal static class InterleavedPlanning
{
    public static void Run(int rounds)
    {
        Console.WriteLine(SimdWidth.Describe());
        Console.WriteLine($"load: {System.IO.File.ReadAllText("/proc/loadavg").Trim()}");
        const int In = 784, Hidden = 256, Classes = 10;
        foreach (var batch in new[] { 64, 256 })
        {
            var x = Data.Tensor(Data.Uniform(1, batch * In, 1f), batch, In);
            var w1 = Data.Tensor(Data.Uniform(2, In * Hidden, 0.05f), In, Hidden);
            var b1 = Data.Tensor(Data.Uniform(3, Hidden, 0.05f), Hidden);
            var w2 = Data.Tensor(Data.Uniform(4, Hidden * Classes, 0.05f), Hidden, Classes);
            var b2 = Data.Tensor(Data.Uniform(5, Classes, 0.05f), Classes);
            var targets = Data.Targets(6, batch, Classes);
            var (dW1, dB1, dW2, dB2) = (Ops.ZerosLike(w1), Ops.ZerosLike(b1), Ops.ZerosLike(w2), Ops.ZerosLike(b2));
            var fused = new FusedStep(batch, Hidden, Classes);
            string[] names = ["generated, planned", "generated, Plan = false", "hand-written, fused kernels", "generated, written"];
            Action[] runs =
            [
                () => { Ops.ZeroGradients(dW1, dB1, dW2, dB2); Mlp.TrainingLossBackward(x, w1, b1, w2, b2, targets, dW1, dB1, dW2, dB2); },
                () => { Ops.ZeroGradients(dW1, dB1, dW2, dB2); Mlp.TrainingLossUnplannedBackward(x, w1, b1, w2, b2, targets, dW1, dB1, dW2, dB2); },
                () => fused.Step(x, w1, b1, w2, b2, targets, dW1, dB1, dW2, dB2),
                () => Mlp.TrainingLossBackward(x, w1, b1, w2, b2, targets, dW1, dB1, dW2, dB2, overwrite: true),
            ];
            const int calls = 20;
            var times = Interleaved.Rounds(runs, rounds, calls, warmup: 3 * calls);
            Console.WriteLine($"MLP step, B = {batch}:");
            var best = new double[runs.Length];
            var median = new double[runs.Length];
            for (int j = 0; j < runs.Length; j++)
            {
                (best[j], median[j]) = (times[j][0] * 1e6, times[j][rounds / 2] * 1e6);
                Console.WriteLine($"  {names[j],-30} best {best[j],8:F1} µs   median {median[j],8:F1} µs");
            }
            Console.WriteLine($"  planned / unplanned: best {best[0] / best[1]:F2}, median {median[0] / median[1]:F2};  planned / hand-written fused: best {best[0] / best[2]:F2}, median {median[0] / median[2]:F2};  written / planned: best {best[3] / best[0]:F2}, median {median[3] / median[0]:F2}");
        }
        Console.WriteLine($"load: {System.IO.File.ReadAllText("/proc/loadavg").Trim()}");
    }
}
