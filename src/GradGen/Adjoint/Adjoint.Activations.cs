using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace GradGen;

// Backward kernels of Ops.Activations.
public static partial class Adjoint
{
    /// <summary>
    /// For y = <see cref="Ops.Gelu{T}(Tensor{T})"/>(x): into += dY ⊙ gelu′(x), where with u = √(2/π) (x + 0.044715 x³) and t = tanh u,
    /// gelu′(x) = ½ (1 + t) + ½ x (1 − t²) √(2/π) (1 + 3 · 0.044715 x²) (llm.c's <c>gelu_backward</c>).
    /// </summary>
    /// <param name="dY">∂L/∂y, x's shape.</param>
    /// <param name="x">The forward input.</param>
    /// <param name="into">x̄, x's shape, dense; accumulated into.</param>
    public static void Gelu<T>(Tensor<T> dY, Tensor<T> x, Tensor<T> into) where T : IFloatingPointIeee754<T>
    {
        const string Kernel = "Adjoint.Gelu";
        ValidateElementwise(Kernel, dY, x, nameof(x), into);
        ReadOnlySpan<T> g = Dense.Read(dY), source = Dense.Read(x);
        Span<T> target = Dense.Target(Kernel, into);
        T half = T.CreateChecked(0.5), k = T.CreateChecked(Ops.GeluScale), c = T.CreateChecked(Ops.GeluCubic);
        T c3 = T.CreateChecked(3 * Ops.GeluCubic), halfK = T.CreateChecked(0.5 * Ops.GeluScale), two = T.One + T.One;
        using var scratch = Scratch<T>.Rent(2 * Math.Min(Block, target.Length));
        for (int start = 0; start < target.Length; start += Block)
        {
            int length = Math.Min(Block, target.Length - start);
            ReadOnlySpan<T> xs = source.Slice(start, length);
            Span<T> a = scratch.Span.Slice(0, length), b = scratch.Span.Slice(length, length);
            TensorPrimitives.Multiply(xs, xs, a);              // a = x²
            TensorPrimitives.Multiply(a, c, b);
            TensorPrimitives.Add(b, T.One, b);                 // b = 1 + c x²
            TensorPrimitives.Multiply(b, xs, b);
            TensorPrimitives.Multiply(b, k, b);                // b = u
            TensorPrimitives.Tanh(b, b);                       // b = t
            TensorPrimitives.Multiply(a, c3, a);
            TensorPrimitives.Add(a, T.One, a);                 // a = 1 + 3c x²
            TensorPrimitives.Multiply(a, xs, a);
            TensorPrimitives.Multiply(a, halfK, a);            // a = ½ √(2/π) x (1 + 3c x²)
            TensorPrimitives.Subtract(T.One, b, b);            // b = 1 − t
            TensorPrimitives.Multiply(a, b, a);
            TensorPrimitives.Add(a, half, a);                  // a = ½ + ½ √(2/π) x (1 + 3c x²)(1 − t)
            TensorPrimitives.Subtract(two, b, b);              // b = 1 + t
            TensorPrimitives.Multiply(a, b, a);                // a = gelu′(x), as (1 − t²) = (1 − t)(1 + t)
            Span<T> slot = target.Slice(start, length);
            TensorPrimitives.MultiplyAdd(g.Slice(start, length), a, slot, slot);
        }
    }
}
