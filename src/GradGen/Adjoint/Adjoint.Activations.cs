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
    /// <param name="overwrite">into = … instead of into += … (a gradient's first contribution, into from <see cref="Uninitialized{T}"/>).</param>
    public static void Gelu<T>(Tensor<T> dY, Tensor<T> x, Tensor<T> into, bool overwrite = false) where T : IFloatingPointIeee754<T>
    {
        const string Kernel = "Adjoint.Gelu";
        ValidateElementwise(Kernel, dY, x, nameof(x), into);
        ReadOnlySpan<T> g = Dense.Read(dY), source = Dense.Read(x);
        Span<T> target = Dense.Target(Kernel, into);
        if (!overwrite)
        {
            GeluKernel.Backward(g, source, target);
            return;
        }
        // Each block cleared while it is in cache, then accumulated into.
        for (int start = 0; start < target.Length; start += Block)
        {
            int length = Math.Min(Block, target.Length - start);
            target.Slice(start, length).Clear();
            GeluKernel.Backward(g.Slice(start, length), source.Slice(start, length), target.Slice(start, length));
        }
    }
}
