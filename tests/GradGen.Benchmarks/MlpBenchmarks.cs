using System;
using System.Linq;
using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using GradGen;

namespace GradGen.Benchmarks;

/// <summary>The MLP of the README, as the user writes it; GradGen generates LossBackward.</summary>
public static partial class Mlp
{
    [Differentiable]
    public static float Loss(Tensor<float> x, Tensor<float> w1, Tensor<float> b1,
                             Tensor<float> w2, Tensor<float> b2, int[] targets)
    {
        var h = Ops.Relu(Ops.MatMul(x, w1) + b1);
        var logits = Ops.MatMul(h, w2) + b2;
        return Ops.SoftmaxCrossEntropy(logits, targets);
    }

    /// <summary>The same model with the input marked [NoGradient], as in training.</summary>
    [Differentiable]
    public static float TrainingLoss([NoGradient] Tensor<float> x, Tensor<float> w1, Tensor<float> b1,
                                     Tensor<float> w2, Tensor<float> b2, int[] targets)
    {
        var h = Ops.Relu(Ops.MatMul(x, w1) + b1);
        var logits = Ops.MatMul(h, w2) + b2;
        return Ops.SoftmaxCrossEntropy(logits, targets);
    }
}

/// <summary>
/// One gradient evaluation of a 2-layer MLP (batch × in → hidden → classes): the generated backward against a backward
/// written by hand from the same kernels, with every shortcut an expert would take (no copies for pass-through gradients).
/// </summary>
[MemoryDiagnoser]
public class MlpBenchmarks
{
    [Params(64, 256)]
    public int Batch;

    private const int In = 128, Hidden = 256, Classes = 10;
    private Tensor<float> _x = null!, _w1 = null!, _b1 = null!, _w2 = null!, _b2 = null!;
    private Tensor<float> _dX = null!, _dW1 = null!, _dB1 = null!, _dW2 = null!, _dB2 = null!;
    private int[] _targets = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        Tensor<float> Random(params int[] shape)
        {
            var lengths = Array.ConvertAll(shape, s => (nint)s);
            var values = new float[Array.ConvertAll(shape, s => s).Aggregate(1, (a, b) => a * b)];
            for (var i = 0; i < values.Length; i++) values[i] = (float)(random.NextDouble() * 2 - 1) * 0.1f;
            return Tensor.Create(values, lengths);
        }
        _x = Random(Batch, In);
        _w1 = Random(In, Hidden);
        _b1 = Random(Hidden);
        _w2 = Random(Hidden, Classes);
        _b2 = Random(Classes);
        _targets = new int[Batch];
        for (var i = 0; i < Batch; i++) _targets[i] = random.Next(Classes);
        _dX = Ops.ZerosLike(_x);
        _dW1 = Ops.ZerosLike(_w1);
        _dB1 = Ops.ZerosLike(_b1);
        _dW2 = Ops.ZerosLike(_w2);
        _dB2 = Ops.ZerosLike(_b2);
    }

    [Benchmark(Baseline = true, Description = "hand-written backward")]
    public float HandWritten()
    {
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
        Adjoint.MatMulLeft(dT1, _w1, _dX);
        return loss;
    }

    [Benchmark(Description = "generated, accumulating form")]
    public float Generated() => Mlp.LossBackward(_x, _w1, _b1, _w2, _b2, _targets, _dX, _dW1, _dB1, _dW2, _dB2);

    [Benchmark(Description = "generated, tuple form")]
    public float GeneratedTuple() => Mlp.LossBackward(_x, _w1, _b1, _w2, _b2, _targets).Value;

    [Benchmark(Description = "generated, [NoGradient] input")]
    public float GeneratedNoInputGradient() => Mlp.TrainingLossBackward(_x, _w1, _b1, _w2, _b2, _targets, _dW1, _dB1, _dW2, _dB2);

    [Benchmark(Description = "forward only")]
    public float Forward() => Mlp.Loss(_x, _w1, _b1, _w2, _b2, _targets);
}
