using System;
using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using GradGen;
using GradGen.Samples.TinyGpt;

namespace GradGen.Benchmarks;

/// <summary>
/// One training step (gradients zeroed, forward, backward) of the TinyGpt sample's GPT-2 at B = 4, T = 64, C = 128,
/// NH = 4, V = 256 with 1 and 4 blocks, both contenders from the same initial weights (GPT-2's init, seed 1) and tokens:
/// (a) GradGen's generated <c>LossBackward</c>, accumulate form; (c) LibTorch autograd through TorchSharp on a copy of
/// those weights, the baseline of the Ratio column; and, for scale, GradGen's forward pass alone. (No hand-written
/// backward: see docs/performance.md.)
/// </summary>
[MemoryDiagnoser]
[MedianColumn, MinColumn]
public class GptTrainingBenchmarks
{
    [Params(1, 4)]
    public int Layers;

    private const int B = 4, T = 64, C = 128, NH = 4, V = 256;

    private Gpt _model = null!, _gradient = null!;
    private Tensor<float>[] _gradients = null!;
    private int[] _tokens = null!, _targets = null!;
    private TorchGpt _torch = null!;

    [GlobalSetup]
    public void Setup()
    {
        _model = Gpt.Create(new Random(1), V, T, C, NH, Layers);
        _gradient = Parameters.ZerosLike(_model);
        _gradients = Parameters.Tensors(_gradient);
        _tokens = Data.Targets(2, B * T, V);
        _targets = Data.Targets(3, B * T, V);

        Torch.Initialize();
        _torch = new TorchGpt(_model, _tokens, _targets, B, T);
        CheckAgreement();
    }

    [Benchmark(Description = "(a) generated backward, accumulate form")]
    public float Generated()
    {
        Ops.ZeroGradients(_gradients);
        return TinyGpt.LossBackward(_model, _tokens, _targets, B, T, _gradient);
    }

    private readonly Workspace _forwardScope = new();

    /// <summary>
    /// For scale: the forward pass alone (what the step costs before any backward work) — the generated forward in a
    /// workspace scope, as the README says to run inference (until 2026-12-08 this row ran the plain <c>TinyGpt.Loss</c>,
    /// System.Numerics.Tensors' operators and all: ForwardBenchmarks' (a)).
    /// </summary>
    [Benchmark(Description = "for scale: generated forward only (LossForward, workspace scope)")]
    public float Forward()
    {
        using (_forwardScope.Enter()) return TinyGpt.LossForward(_model, _tokens, _targets, B, T, out _);
    }

    [Benchmark(Baseline = true, Description = "(c) LibTorch autograd (TorchSharp)")]
    public float LibTorch() => _torch.Step();

    /// <summary>
    /// Fails the run unless both contenders compute the same loss and the same gradient of every weight (float
    /// tolerance: 1e-5 relative on the loss; on each gradient tensor, 5e-5 of its largest magnitude, about ten times the
    /// largest difference seen; exact GELU in place of its tanh approximation, a missing 1/√hs or a missing causal mask
    /// each fail it): on the benchmarked weights, and on the same weights plus uniform noise in ±0.3 (as the sample's
    /// GradientCheck), where attention is far from uniform and GELU far from linear.
    /// </summary>
    private void CheckAgreement()
    {
        Agree("GPT-2 init", Generated(), _gradient, LibTorch(), _torch);

        var perturbed = Gpt.Create(new Random(1), V, T, C, NH, Layers);
        var noise = new Random(4);
        foreach (var tensor in Parameters.Tensors(perturbed))
        {
            var values = Ops.AsSpan(tensor);
            for (int i = 0; i < values.Length; i++) values[i] += (float)(0.3 * (2 * noise.NextDouble() - 1));
        }
        var gradient = Parameters.ZerosLike(perturbed);
        float loss = TinyGpt.LossBackward(perturbed, _tokens, _targets, B, T, gradient);
        var torch = new TorchGpt(perturbed, _tokens, _targets, B, T);
        Agree("weights + noise", loss, gradient, torch.Step(), torch);
    }

    private void Agree(string weights, float a, Gpt gradient, float c, TorchGpt torch)
    {
        string label = $"GPT L={Layers}, {weights}";
        if (!(MathF.Abs(a - c) <= 1e-5f * MathF.Max(1f, MathF.Abs(a))))
        {
            throw new InvalidOperationException($"{label}: loss differs: generated {a}, LibTorch {c}.");
        }
        var leaves = Parameters.Leaves(gradient);
        var torchParameters = torch.Parameters;
        if (leaves.Count != torchParameters.Length)
        {
            throw new InvalidOperationException($"{label}: {leaves.Count} GradGen weights, {torchParameters.Length} LibTorch weights.");
        }
        float worst = 0;
        for (int i = 0; i < leaves.Count; i++)
        {
            var expected = Flat((Tensor<float>)leaves[i].Tensor);
            var actual = torchParameters[i].grad!.data<float>().ToArray();
            worst = MathF.Max(worst, Compare($"{label}: gradient of {leaves[i].Path}", expected, actual));
        }
        Console.WriteLine($"// {label}: loss {a} (LibTorch {c}); {leaves.Count} gradients agree, largest difference {worst:E1} of a tensor's largest magnitude.");
    }

    private static float[] Flat(Tensor<float> t)
    {
        var values = new float[t.FlattenedLength];
        t.FlattenTo(values);
        return values;
    }

    /// <summary>Throws unless the two agree; returns the largest difference relative to the largest magnitude.</summary>
    private static float Compare(string what, float[] expected, float[] actual)
    {
        if (expected.Length != actual.Length) throw new InvalidOperationException($"{what}: {expected.Length} vs {actual.Length} elements.");
        float scale = 0;
        foreach (var e in expected) scale = MathF.Max(scale, MathF.Abs(e));
        if (scale == 0) throw new InvalidOperationException($"{what}: all zero, so it checks nothing.");
        float worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            float difference = MathF.Abs(expected[i] - actual[i]);
            if (!(difference <= 5e-5f * scale))
            {
                throw new InvalidOperationException($"{what}: element {i} differs: {expected[i]} vs {actual[i]} (largest magnitude {scale}).");
            }
            worst = MathF.Max(worst, difference / scale);
        }
        return worst;
    }
}
