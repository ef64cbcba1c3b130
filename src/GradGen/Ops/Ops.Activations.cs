using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace GradGen;

// Element-wise activations of transformers.
public static partial class Ops
{
    /// <summary>√(2/π), the scale inside GELU's tanh approximation.</summary>
    internal const double GeluScale = 0.79788456080286535588;

    /// <summary>The cubic coefficient of GELU's tanh approximation.</summary>
    internal const double GeluCubic = 0.044715;

    /// <summary>
    /// GELU in the tanh approximation GPT-2 uses (as llm.c's <c>gelu_forward</c>):
    /// y = ½ x (1 + tanh(√(2/π) (x + 0.044715 x³))), element-wise; the shape of x.
    /// </summary>
    /// <param name="x">The input, any shape.</param>
    public static Tensor<T> Gelu<T>(Tensor<T> x) where T : IFloatingPointIeee754<T> => Unary(x, static (s, d) =>
    {
        T half = T.CreateChecked(0.5), k = T.CreateChecked(GeluScale), c = T.CreateChecked(GeluCubic);
        TensorPrimitives.Multiply(s, s, d);                  // x²
        TensorPrimitives.Multiply(d, c, d);
        TensorPrimitives.Add(d, T.One, d);                   // 1 + c x²
        TensorPrimitives.Multiply(d, s, d);                  // x + c x³
        TensorPrimitives.Multiply(d, k, d);                  // √(2/π) (x + c x³)
        TensorPrimitives.Tanh(d, d);
        TensorPrimitives.Add(d, T.One, d);                   // 1 + tanh(·)
        TensorPrimitives.Multiply(d, s, d);
        TensorPrimitives.Multiply(d, half, d);               // ½ x (1 + tanh(·))
    });
}
