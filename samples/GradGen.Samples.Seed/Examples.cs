using System.Numerics.Tensors;
using GradGen;

namespace GradGen.Samples.Seed;

/// <summary>The examples of the lesson GradGen grew from, one [Differentiable] method each.</summary>
public static partial class Examples
{
    /// <summary>Y = ReLU(X).</summary>
    [Differentiable]
    public static Tensor<double> Relu(Tensor<double> x) => Ops.Relu(x);

    /// <summary>Y = X + Z, the residual connection.</summary>
    [Differentiable]
    public static Tensor<double> Residual(Tensor<double> x, Tensor<double> z) => x + z;

    /// <summary>Y = X ⊙ X, the element-wise square: X is used twice, so its gradient is the sum of both uses.</summary>
    [Differentiable]
    public static Tensor<double> Square(Tensor<double> x) => x * x;

    /// <summary>Y = X·W, the matrix product.</summary>
    [Differentiable]
    public static Tensor<double> Linear(Tensor<double> x, Tensor<double> w) => Ops.MatMul(x, w);

    /// <summary>L = softmax-cross-entropy(Z, y), mean over rows.</summary>
    [Differentiable]
    public static double CrossEntropy(Tensor<double> z, int[] targets) => Ops.SoftmaxCrossEntropy(z, targets);
}
