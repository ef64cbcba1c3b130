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
        // One pass over both cores; with overwrite the kernel writes into without reading it (it was a block-by-block
        // clear and add on one thread: 2.5× the forward's time).
        GeluKernel.Backward(g, source, target, overwrite);
    }

    /// <summary>
    /// For y = <see cref="Ops.BiasGelu{T}"/>(x, bias) — GELU of x plus a row <paramref name="bias"/> repeated over x's rows —
    /// in one kernel: with ĝ = dY ⊙ gelu′(x + bias) (the pre-activation recomputed from x and the bias, as the forward
    /// rounded it), <paramref name="into"/> (x̄) += ĝ and <paramref name="intoBias"/> (b̄) += Σ_rows ĝ, each skipped when null
    /// (b̄ summed in the pass over dY, or from a written x̄ right after it).
    /// Bit for bit the unfused <c>Adjoint.Gelu</c> and the bias's row sum. Allocates nothing.
    /// </summary>
    /// <param name="dY">∂L/∂y, x's shape.</param>
    /// <param name="x">The forward input (without the bias).</param>
    /// <param name="bias">The row added to x: rank 1, x's last axis.</param>
    /// <param name="into">x̄, x's shape, dense, or null.</param>
    /// <param name="intoBias">b̄, the bias's shape, dense, or null.</param>
    /// <param name="overwrite">into = … instead of into += … (a gradient's first contribution; intoBias is always added to).</param>
    public static void BiasGelu<T>(Tensor<T> dY, Tensor<T> x, Tensor<T> bias, Tensor<T>? into, Tensor<T>? intoBias, bool overwrite = false) where T : IFloatingPointIeee754<T>
    {
        const string Kernel = "Adjoint.BiasGelu";
        ArgumentNullException.ThrowIfNull(dY);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(bias);
        if (!Ops.IsRowOfLast(bias, x))
        {
            // Not a row of x: the unfused adjoints (GELU of the broadcast sum, then the sum's reduced to each operand).
            var pre = Ops.Add(x, bias);
            var masked = Ops.ZerosLike(pre);
            Gelu(dY, pre, masked);
            if (into is not null)
            {
                if (overwrite) Ops.Clear(into);
                Identity(masked, into);
            }
            if (intoBias is not null) Identity(masked, intoBias);
            return;
        }
        TensorShape.RequireSameShape(Kernel, nameof(dY), dY.Lengths, nameof(x), x.Lengths);
        if (into is not null) TensorShape.RequireSameShape(Kernel, nameof(dY), dY.Lengths, nameof(into), into.Lengths);
        if (intoBias is not null) TensorShape.RequireSameShape(Kernel, nameof(bias), bias.Lengths, nameof(intoBias), intoBias.Lengths);
        GeluKernel.BiasBackward(Dense.Read(dY), Dense.Read(x), Dense.Read(bias),
            into is null ? Span<T>.Empty : Dense.Target(Kernel, into), intoBias is null ? Span<T>.Empty : Dense.Target(Kernel, intoBias), overwrite);
    }
}
