using System;
using System.Linq;
using System.Numerics.Tensors;
using GradGen;
using GradGen.Samples.TinyGpt;

namespace GradGen.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project tests/GradGen.Benchmarks -- --interleaved-adamw [rounds]</c>: one AdamW step over the
/// parameters of TinyGpt (V = 256, T = 64, C = 128, NH = 4, L = 4) and of the GPT-2-small shape (124 M parameters), before
/// (the block-wise <c>TensorPrimitives</c> passes on one thread, <see cref="LegacyAdamW"/>) and after (<see cref="AdamW{T}"/>:
/// one pass per element, over every core), one call of each in turn per round; prints best and median ms and checks that
/// both end with the same parameters bit for bit. Run it with <c>DOTNET_TieredCompilation=0</c> under load.
/// </summary>
internal static class InterleavedAdamW
{
    public static void Run(int rounds)
    {
        Console.WriteLine($"{SimdWidth.Describe()}; worker threads: {WorkerPool.Threads}");
        Console.WriteLine($"load: {System.IO.File.ReadAllText("/proc/loadavg").Trim()}");
        Compare("TinyGpt L=4", Gpt.Create(new Random(1), 256, 64, 128, 4, 4), rounds, calls: 20);
        Compare("GPT-2-small shape", Gpt2SmallBenchmarks.CreateModel(), rounds, calls: 1);
        Console.WriteLine($"load: {System.IO.File.ReadAllText("/proc/loadavg").Trim()}");
    }

    private static void Compare(string title, Gpt model, int rounds, int calls)
    {
        var after = Parameters.Tensors(model);
        var before = after.Select(p => p.ToArray()).ToArray();
        var random = new Random(5);
        var values = after.Select(p => Data.Uniform(random.Next(), (int)p.FlattenedLength, 1f)).ToArray();
        var gradients = after.Select((p, i) => Data.Tensor(values[i], Array.ConvertAll(p.Lengths.ToArray(), d => (int)d))).ToArray();
        var optimizer = new AdamW<float>(after, 1e-4, weightDecay: 0.01);
        var serial = after.Select(p => Tensor.Create(p.ToArray(), p.Lengths)).ToArray();
        var serialOptimizer = new AdamW<float>(serial, 1e-4, weightDecay: 0.01);
        var legacy = new LegacyAdamW(before, 1e-4, 0.9, 0.999, 1e-8, 0.01);
        var times = Interleaved.Rounds(new Action[] { () => legacy.Step(values), () => serialOptimizer.Step(gradients, parallel: false), () => optimizer.Step(gradients) }, rounds, calls, warmup: 1);
        bool same = after.Select((p, i) => p.ToArray().AsSpan().SequenceEqual(before[i]) && serial[i].ToArray().AsSpan().SequenceEqual(before[i])).All(x => x);
        Console.WriteLine($"{title}: {after.Sum(p => p.FlattenedLength):N0} parameters in {after.Length} tensors; same parameters after {optimizer.Steps} steps: {same}");
        Console.WriteLine($"  before (block-wise passes, 1 thread)  best {times[0][0] * 1e3,8:F2} ms, median {times[0][rounds / 2] * 1e3,8:F2}");
        Console.WriteLine($"  after  (one pass, 1 thread)            best {times[1][0] * 1e3,8:F2} ms, median {times[1][rounds / 2] * 1e3,8:F2}");
        Console.WriteLine($"  after  (one pass, {WorkerPool.Threads} threads)          best {times[2][0] * 1e3,8:F2} ms, median {times[2][rounds / 2] * 1e3,8:F2}");
        Console.WriteLine($"  speed-up over before, 1 / {WorkerPool.Threads} threads: best {times[0][0] / times[1][0]:F2}× / {times[0][0] / times[2][0]:F2}×, median {times[0][rounds / 2] / times[1][rounds / 2]:F2}× / {times[0][rounds / 2] / times[2][rounds / 2]:F2}×");
        if (!same) throw new InvalidOperationException($"{title}: AdamW before and after disagree");
    }
}

/// <summary>AdamW.Step's update before it became one pass per element, over a list of parameters (<see cref="GradGen.Tests.Runtime.AdamWReference"/>, the reference AdamWTests holds the new pass to).</summary>
internal sealed class LegacyAdamW(float[][] parameters, double lr, double beta1, double beta2, double epsilon, double wd)
{
    private readonly float[][] _m = parameters.Select(p => new float[p.Length]).ToArray();
    private readonly float[][] _v = parameters.Select(p => new float[p.Length]).ToArray();
    private readonly float[] _scratch = new float[GradGen.Tests.Runtime.AdamWReference.Block];
    private int _steps;

    public void Step(float[][] gradients)
    {
        int t = ++_steps;
        for (int i = 0; i < parameters.Length; i++)
        {
            GradGen.Tests.Runtime.AdamWReference.BlockWiseStep<float>(parameters[i], gradients[i], _m[i], _v[i], _scratch, t, lr, beta1, beta2, epsilon, wd);
        }
    }
}
