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
    public static Tensor<T> Gelu<T>(Tensor<T> x) where T : IFloatingPointIeee754<T> => Unary(x, GeluSpan);

    /// <summary>
    /// <paramref name="into"/> = <see cref="Gelu{T}(Tensor{T})"/>(x), allocation-free; <paramref name="into"/> has x's shape and
    /// may be x. Returns it.
    /// </summary>
    /// <param name="x">The input.</param>
    /// <param name="into">The dense result buffer.</param>
    public static Tensor<T> Gelu<T>(Tensor<T> x, Tensor<T> into) where T : IFloatingPointIeee754<T> => UnaryInto(nameof(Gelu), x, into, GeluSpan);

    /// <summary>d = gelu(s) in one pass (<see cref="GeluKernel"/>); <paramref name="d"/> may be <paramref name="s"/>.</summary>
    private static void GeluSpan<T>(ReadOnlySpan<T> s, Span<T> d) where T : IFloatingPointIeee754<T> => GeluKernel.Forward(s, d);
}
