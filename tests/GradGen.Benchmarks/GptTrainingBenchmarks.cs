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
/// those weights, the baseline of the Ratio column. (No hand-written backward: see docs/performance.md.)
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

    [Benchmark(Baseline = true, Description = "(c) LibTorch autograd (TorchSharp)")]
    public float LibTorch() => _torch.Step();

    /// <summary>
    /// Fails the run unless both contenders compute the same loss and the same gradient of every weight (float
    /// tolerance: 1e-4 relative on the loss; on each gradient tensor, 1e-3 of its largest magnitude).
    /// </summary>
    private void CheckAgreement()
    {
        float a = Generated(), c = LibTorch();
        if (MathF.Abs(a - c) > 1e-4f * MathF.Max(1f, MathF.Abs(a)))
        {
            throw new InvalidOperationException($"GPT L={Layers}: loss differs: generated {a}, LibTorch {c}.");
        }
        var leaves = Parameters.Leaves(_gradient);
        var torchParameters = _torch.Parameters;
        if (leaves.Count != torchParameters.Length)
        {
            throw new InvalidOperationException($"GPT L={Layers}: {leaves.Count} GradGen weights, {torchParameters.Length} LibTorch weights.");
        }
        float worst = 0;
        for (int i = 0; i < leaves.Count; i++)
        {
            var expected = Flat((Tensor<float>)leaves[i].Tensor);
            var actual = torchParameters[i].grad!.data<float>().ToArray();
            worst = MathF.Max(worst, Compare($"GPT L={Layers}: gradient of {leaves[i].Path}", expected, actual));
        }
        Console.WriteLine($"// GPT L={Layers}: loss {a} (LibTorch {c}); {leaves.Count} gradients agree, largest difference {worst:E1} of a tensor's largest magnitude.");
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
            if (!(difference <= 1e-3f * scale))
            {
                throw new InvalidOperationException($"{what}: element {i} differs: {expected[i]} vs {actual[i]} (largest magnitude {scale}).");
            }
            worst = MathF.Max(worst, difference / scale);
        }
        return worst;
    }
}
