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

    /// <summary>d = gelu(s), in blocks through a scratch buffer, so <paramref name="d"/> may be <paramref name="s"/>.</summary>
    private static void GeluSpan<T>(ReadOnlySpan<T> s, Span<T> d) where T : IFloatingPointIeee754<T>
    {
        const int Block = 4096;
        T half = T.CreateChecked(0.5), k = T.CreateChecked(GeluScale), c = T.CreateChecked(GeluCubic);
        using var scratch = Scratch<T>.Rent(Math.Min(Block, s.Length));
        for (int start = 0; start < s.Length; start += Block)
        {
            int length = Math.Min(Block, s.Length - start);
            ReadOnlySpan<T> x = s.Slice(start, length);
            Span<T> u = scratch.Span.Slice(0, length), y = d.Slice(start, length);
            TensorPrimitives.Multiply(x, x, u);                  // x²
            TensorPrimitives.Multiply(u, c, u);
            TensorPrimitives.Add(u, T.One, u);                   // 1 + c x²
            TensorPrimitives.Multiply(u, x, u);                  // x + c x³
            TensorPrimitives.Multiply(u, k, u);                  // √(2/π) (x + c x³)
            TensorPrimitives.Tanh(u, u);
            TensorPrimitives.Add(u, T.One, u);                   // 1 + tanh(·)
            TensorPrimitives.Multiply(u, half, u);
            TensorPrimitives.Multiply(u, x, y);                  // ½ x (1 + tanh(·)); y may be x
        }
    }
}
