using System;
using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using GradGen;
using TorchSharp;
using static TorchSharp.torch;

namespace GradGen.Benchmarks;

/// <summary>
/// One training step (forward + backward, gradients zeroed first) of the MLP x [batch, 784] (not differentiated) →
/// 256 → ReLU → 10 → softmax-cross-entropy, every contender from the same initial weights and inputs:
/// (a) GradGen's generated backward, accumulate form (its intermediates in the generated per-thread
/// <see cref="GradGen.Workspace"/>: 0 B per step once warm); (b) the same rules written by hand on the same kernels,
/// allocating every intermediate; (b′) a hand-written step on the allocation-free entry points with the fused kernels
/// (<see cref="FusedStep"/>); (c) LibTorch autograd through TorchSharp, the baseline of the Ratio column.
/// </summary>
[MemoryDiagnoser]
[MedianColumn, MinColumn]
public class MlpTrainingBenchmarks
{
    [Params(64, 256)]
    public int Batch;

    private const int In = 784, Hidden = 256, Classes = 10;

    private Tensor<float> _x = null!, _w1 = null!, _b1 = null!, _w2 = null!, _b2 = null!;
    private Tensor<float> _dW1 = null!, _dB1 = null!, _dW2 = null!, _dB2 = null!;
    private int[] _targets = null!;
    private FusedStep _fused = null!;
    private torch.Tensor _tx = null!, _tw1 = null!, _tb1 = null!, _tw2 = null!, _tb2 = null!, _tTargets = null!;

    [GlobalSetup]
    public void Setup()
    {
        float[] x = Data.Uniform(1, Batch * In, 1f), w1 = Data.Uniform(2, In * Hidden, 0.05f), b1 = Data.Uniform(3, Hidden, 0.05f);
        float[] w2 = Data.Uniform(4, Hidden * Classes, 0.05f), b2 = Data.Uniform(5, Classes, 0.05f);
        _targets = Data.Targets(6, Batch, Classes);
        (_x, _w1, _b1, _w2, _b2) = (Data.Tensor(x, Batch, In), Data.Tensor(w1, In, Hidden), Data.Tensor(b1, Hidden), Data.Tensor(w2, Hidden, Classes), Data.Tensor(b2, Classes));
        (_dW1, _dB1, _dW2, _dB2) = (Ops.ZerosLike(_w1), Ops.ZerosLike(_b1), Ops.ZerosLike(_w2), Ops.ZerosLike(_b2));
        _fused = new FusedStep(Batch, Hidden, Classes);

        Torch.Initialize();
        _tx = torch.tensor(x, new long[] { Batch, In });
        _tw1 = torch.tensor(w1, new long[] { In, Hidden }, requires_grad: true);
        _tb1 = torch.tensor(b1, new long[] { Hidden }, requires_grad: true);
        _tw2 = torch.tensor(w2, new long[] { Hidden, Classes }, requires_grad: true);
        _tb2 = torch.tensor(b2, new long[] { Classes }, requires_grad: true);
        _tTargets = torch.tensor(Array.ConvertAll(_targets, t => (long)t), new long[] { Batch });
        CheckAgreement();
    }

    [Benchmark(Description = "(a) generated backward, accumulate form (workspace)")]
    public float Generated()
    {
        Ops.ZeroGradients(_dW1, _dB1, _dW2, _dB2);
        return Mlp.TrainingLossBackward(_x, _w1, _b1, _w2, _b2, _targets, _dW1, _dB1, _dW2, _dB2);
    }

    [Benchmark(Description = "(a') generated backward, written (overwrite: true)")]
    public float GeneratedWritten() => Mlp.TrainingLossBackward(_x, _w1, _b1, _w2, _b2, _targets, _dW1, _dB1, _dW2, _dB2, overwrite: true);

    [Benchmark(Description = "(a0) generated backward, unplanned (Plan = false)")]
    public float GeneratedUnplanned()
    {
        Ops.ZeroGradients(_dW1, _dB1, _dW2, _dB2);
        return Mlp.TrainingLossUnplannedBackward(_x, _w1, _b1, _w2, _b2, _targets, _dW1, _dB1, _dW2, _dB2);
    }

    [Benchmark(Description = "(b) hand-written, same kernels, allocating")]
    public float HandWritten()
    {
        Ops.ZeroGradients(_dW1, _dB1, _dW2, _dB2);
        // forward
        var t0 = Ops.MatMul(_x, _w1);
        var t1 = Ops.Add(t0, _b1);
        var h = Ops.Relu(t1);
        var t2 = Ops.MatMul(h, _w2);
        var logits = Ops.Add(t2, _b2);
        var loss = Ops.SoftmaxCrossEntropy(logits, _targets);
        // backward: the bias adds pass their gradient through, so no buffer is made for t2 or t0
        var dLogits = Ops.ZerosLike(logits);
        Adjoint.SoftmaxCrossEntropy(1f, logits, _targets, dLogits);
        Adjoint.Identity(dLogits, _dB2);
        Adjoint.MatMulRight(h, dLogits, _dW2);
        var dH = Ops.ZerosLike(h);
        Adjoint.MatMulLeft(dLogits, _w2, dH);
        var dT1 = Ops.ZerosLike(t1);
        Adjoint.Relu(dH, t1, dT1);
        Adjoint.Identity(dT1, _dB1);
        Adjoint.MatMulRight(_x, dT1, _dW1);
        return loss;
    }

    [Benchmark(Description = "(b') hand-written, workspace + fused kernels")]
    public float HandWrittenFused() => _fused.Step(_x, _w1, _b1, _w2, _b2, _targets, _dW1, _dB1, _dW2, _dB2);

    [Benchmark(Baseline = true, Description = "(c) LibTorch autograd (TorchSharp)")]
    public float LibTorch()
    {
        using var scope = torch.NewDisposeScope();
        foreach (var p in new[] { _tw1, _tb1, _tw2, _tb2 }) p.grad?.zero_();
        var h = _tx.matmul(_tw1).add(_tb1).relu();
        var logits = h.matmul(_tw2).add(_tb2);
        var loss = torch.nn.functional.cross_entropy(logits, _tTargets);
        loss.backward();
        return loss.item<float>();
    }

    [Benchmark(Description = "(c') LibTorch autograd, gradients set to None (zero_grad's default)")]
    public float LibTorchSetToNone()
    {
        using var scope = torch.NewDisposeScope();
        foreach (var p in new[] { _tw1, _tb1, _tw2, _tb2 }) p.grad = null;
        var h = _tx.matmul(_tw1).add(_tb1).relu();
        var logits = h.matmul(_tw2).add(_tb2);
        var loss = torch.nn.functional.cross_entropy(logits, _tTargets);
        loss.backward(); // the new gradients belong to the parameters (no managed handle of them here); the next step drops them
        return loss.item<float>();
    }

    /// <summary>Fails the run if the contenders do not compute the same loss and gradients.</summary>
    private void CheckAgreement()
    {
        float a = Generated();
        float[] dW1 = Flat(_dW1), dB1 = Flat(_dB1);
        Ops.AsSpan(_dW1).Fill(float.NaN);
        float written = GeneratedWritten();
        Compare("loss (a')", a, written);
        Compare("dW1 (a')", dW1, Flat(_dW1));
        Compare("dB1 (a')", dB1, Flat(_dB1));
        float b = HandWrittenFused();
        float c = LibTorch();
        Compare("loss (b')", a, b);
        Compare("loss (c)", a, c);
        Compare("dW1 (b')", dW1, Flat(_dW1));
        Compare("dB1 (b')", dB1, Flat(_dB1));
        Compare("dW1 (c)", dW1, _tw1.grad!.data<float>().ToArray());
        Compare("dB1 (c)", dB1, _tb1.grad!.data<float>().ToArray());
        float c2 = LibTorchSetToNone();
        Compare("loss (c')", a, c2);
        Compare("dW1 (c')", dW1, _tw1.grad!.data<float>().ToArray());
        LibTorch(); // leaves gradients allocated for (c), which zeroes them
    }

    private static float[] Flat(Tensor<float> t)
    {
        var values = new float[t.FlattenedLength];
        t.FlattenTo(values);
        return values;
    }

    private static void Compare(string what, float expected, float actual) => Compare(what, new[] { expected }, new[] { actual });

    private static void Compare(string what, float[] expected, float[] actual)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            if (MathF.Abs(expected[i] - actual[i]) > 1e-4f * MathF.Max(1f, MathF.Abs(expected[i])))
            {
                throw new InvalidOperationException($"{what}: element {i} differs: {expected[i]} vs {actual[i]}.");
            }
        }
    }
}
