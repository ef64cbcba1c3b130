using System.Numerics.Tensors;
using GradGen;

namespace GradGen.Benchmarks;

/// <summary>The MLP of the README and of issue 9, as the user writes it; GradGen generates the backward methods.</summary>
public static partial class Mlp
{
    /// <summary>Every input differentiated.</summary>
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
