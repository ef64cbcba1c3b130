using System.Numerics.Tensors;
using GradGen;

namespace GradGen.Benchmarks;

/// <summary>
/// The MLP of the README and of issue 9, as the user writes it, with its shapes declared as the samples do (so planning
/// knows the biases are rows and fuses each product with its bias); GradGen generates the backward methods.
/// </summary>
public static partial class Mlp
{
    /// <summary>Every input differentiated.</summary>
    [Differentiable]
    public static float Loss([Shape("B, D")] Tensor<float> x, [Shape("D, H")] Tensor<float> w1, [Shape("H")] Tensor<float> b1,
                             [Shape("H, K")] Tensor<float> w2, [Shape("K")] Tensor<float> b2, int[] targets)
    {
        var h = Ops.Relu(Ops.MatMul(x, w1) + b1);
        var logits = Ops.MatMul(h, w2) + b2;
        return Ops.SoftmaxCrossEntropy(logits, targets);
    }

    /// <summary>The same model with the input marked [NoGradient], as in training.</summary>
    [Differentiable]
    public static float TrainingLoss([NoGradient, Shape("B, D")] Tensor<float> x, [Shape("D, H")] Tensor<float> w1, [Shape("H")] Tensor<float> b1,
                                     [Shape("H, K")] Tensor<float> w2, [Shape("K")] Tensor<float> b2, int[] targets)
    {
        var h = Ops.Relu(Ops.MatMul(x, w1) + b1);
        var logits = Ops.MatMul(h, w2) + b2;
        return Ops.SoftmaxCrossEntropy(logits, targets);
    }

    /// <summary>TrainingLoss as the rules state it, without planning (no fusion, no first write, no buffer reuse): what planning gains.</summary>
    [Differentiable(Plan = false)]
    public static float TrainingLossUnplanned([NoGradient, Shape("B, D")] Tensor<float> x, [Shape("D, H")] Tensor<float> w1, [Shape("H")] Tensor<float> b1,
                                              [Shape("H, K")] Tensor<float> w2, [Shape("K")] Tensor<float> b2, int[] targets)
    {
        var h = Ops.Relu(Ops.MatMul(x, w1) + b1);
        var logits = Ops.MatMul(h, w2) + b2;
        return Ops.SoftmaxCrossEntropy(logits, targets);
    }
}
