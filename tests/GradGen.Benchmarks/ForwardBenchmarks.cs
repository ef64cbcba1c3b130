using System;
using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using GradGen;
using GradGen.Samples.TinyGpt;
using TorchSharp;

namespace GradGen.Benchmarks;

/// <summary>
/// Forward only — the value a user's <c>[Differentiable]</c> method computes, called as plain C# (evaluation,
/// sampling): the MLP's <see cref="Mlp.Loss"/> at B = 64 and TinyGpt's <c>Loss</c> (B = 4, T = 64, C = 128, NH = 4,
/// V = 256) with 1 and 4 blocks. (a) the plain call, every intermediate allocated; (b) the same call inside a
/// <see cref="Workspace"/> scope (<c>using (inference.Enter()) …</c>), the documented one-line way to run inference
/// loops; (c) LibTorch's forward under <c>no_grad</c>, the Ratio baseline; (d) the generated forward
/// (<c>LossForward(…, out _)</c>, GradGen's kernel for every op, the user's operators included) in a scope — what the
/// README tells users to reach for when speed matters.
/// </summary>
[MemoryDiagnoser]
[MedianColumn, MinColumn]
public class ForwardBenchmarks
{
    [Params("MLP B=64", "TinyGpt L=1", "TinyGpt L=4")]
    public string Model = null!;

    private const int In = 784, Hidden = 256, Classes = 10, Batch = 64;
    private const int B = 4, T = 64, C = 128, NH = 4, V = 256;

    private readonly Workspace _inference = new();
    private Tensor<float> _x = null!, _w1 = null!, _b1 = null!, _w2 = null!, _b2 = null!;
    private int[] _targets = null!, _tokens = null!;
    private Gpt _gpt = null!;
    private TorchGpt _torchGpt = null!;
    private torch.Tensor _tx = null!, _tw1 = null!, _tb1 = null!, _tw2 = null!, _tb2 = null!, _tTargets = null!;

    private bool IsMlp => Model.StartsWith("MLP", StringComparison.Ordinal);

    [GlobalSetup]
    public void Setup()
    {
        Torch.Initialize();
        if (IsMlp)
        {
            float[] x = Data.Uniform(1, Batch * In, 1f), w1 = Data.Uniform(2, In * Hidden, 0.05f), b1 = Data.Uniform(3, Hidden, 0.05f);
            float[] w2 = Data.Uniform(4, Hidden * Classes, 0.05f), b2 = Data.Uniform(5, Classes, 0.05f);
            _targets = Data.Targets(6, Batch, Classes);
            (_x, _w1, _b1, _w2, _b2) = (Data.Tensor(x, Batch, In), Data.Tensor(w1, In, Hidden), Data.Tensor(b1, Hidden), Data.Tensor(w2, Hidden, Classes), Data.Tensor(b2, Classes));
            _tx = torch.tensor(x, new long[] { Batch, In });
            _tw1 = torch.tensor(w1, new long[] { In, Hidden });
            _tb1 = torch.tensor(b1, new long[] { Hidden });
            _tw2 = torch.tensor(w2, new long[] { Hidden, Classes });
            _tb2 = torch.tensor(b2, new long[] { Classes });
            _tTargets = torch.tensor(Array.ConvertAll(_targets, t => (long)t), new long[] { Batch });
        }
        else
        {
            int layers = Model.EndsWith("4", StringComparison.Ordinal) ? 4 : 1;
            _gpt = Gpt.Create(new Random(1), V, T, C, NH, layers);
            _tokens = Data.Targets(2, B * T, V);
            _targets = Data.Targets(3, B * T, V);
            _torchGpt = new TorchGpt(_gpt, _tokens, _targets, B, T);
        }
        float plain = Plain(), scoped = InWorkspace(), generated = GeneratedForward(), torchValue = LibTorch();
        if (Math.Abs(plain - scoped) > 0 || Math.Abs(plain - generated) > 0 || Math.Abs(plain - torchValue) > 1e-4f * Math.Max(1, Math.Abs(torchValue)))
        {
            throw new InvalidOperationException($"{Model}: losses disagree: plain {plain}, workspace {scoped}, generated forward {generated}, LibTorch {torchValue}");
        }
    }

    [Benchmark(Description = "(a) plain call, allocating")]
    public float Plain() => IsMlp ? Mlp.Loss(_x, _w1, _b1, _w2, _b2, _targets) : TinyGpt.Loss(_gpt, _tokens, _targets, B, T);

    [Benchmark(Description = "(b) in a workspace scope")]
    public float InWorkspace()
    {
        using (_inference.Enter()) return Plain();
    }

    [Benchmark(Description = "(d) generated forward in a workspace scope")]
    public float GeneratedForward()
    {
        using (_inference.Enter())
        {
            return IsMlp ? Mlp.LossForward(_x, _w1, _b1, _w2, _b2, _targets, out _) : TinyGpt.LossForward(_gpt, _tokens, _targets, B, T, out _);
        }
    }

    [Benchmark(Baseline = true, Description = "(c) LibTorch forward, no_grad")]
    public float LibTorch()
    {
        if (!IsMlp) return _torchGpt.ForwardNoGrad();
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var h = torch.nn.functional.relu(_tx.matmul(_tw1) + _tb1);
        var logits = h.matmul(_tw2) + _tb2;
        return torch.nn.functional.cross_entropy(logits, _tTargets).item<float>();
    }
}
