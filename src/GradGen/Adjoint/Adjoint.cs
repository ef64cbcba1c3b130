using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace GradGen;

/// <summary>
/// Backward kernels: for each primitive in <see cref="Ops"/>, the vector-Jacobian product that the generated
/// <c>Backward</c> methods call.
/// </summary>
/// <remarks>
/// <para>Naming: <c>dY</c> is the upstream gradient ∂L/∂Y, shaped like the op's result Y. <c>into</c> is the gradient
/// buffer of one operand, shaped like that operand; it must be dense (not a strided view), and every kernel
/// <b>accumulates</b> into it (<c>into += …</c>) so that an operand used several times collects every contribution.</para>
/// <para>Broadcasting: when an operand was broadcast to reach Y's shape, its gradient is <c>reduce(·)</c>: the sum over the
/// dimensions along which it was stretched (leading missing dimensions are summed away, size-1 dimensions are
/// summed keeping size 1), so the result has <c>into</c>'s shape.</para>
/// <para>Other inputs may be strided views. Inconsistent shapes throw <see cref="ArgumentException"/> naming the kernel
/// and the shapes; null tensors throw <see cref="ArgumentNullException"/>.</para>
/// </remarks>
public static partial class Adjoint
{
    /// <summary>Elements processed per block by kernels that need a temporary (keeps it cache-resident).</summary>
    private const int Block = 4096;

    /// <summary>
    /// A gradient buffer shaped like <paramref name="like"/> whose contents are undefined (inside a <see cref="Workspace"/>
    /// scope: the workspace's tensor for this request, not cleared). Generated code declares a gradient so when its first
    /// contribution is written by a kernel called with <c>overwrite: true</c>, which saves the zero fill and the read of zeros.
    /// </summary>
    public static Tensor<T> Uninitialized<T>(Tensor<T> like) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(like);
        return Dense.Result<T>(like.Lengths);
    }

    // ── shared implementation ──────────────────────────────────────────────────────────────

    private static void Accumulate<T>(string kernel, Tensor<T> dY, T scale, Tensor<T> into) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(dY);
        ArgumentNullException.ThrowIfNull(into);
        TensorShape.RequireBroadcastsTo(kernel, nameof(into), into.Lengths, nameof(dY), dY.Lengths);
        Span<T> target = Dense.Target(kernel, into);
        Broadcasting.AccumulateReduced(Dense.Read(dY), dY.Lengths, target, into.Lengths, scale);
    }

    private static void ValidateBroadcastOperands<T>(string kernel, Tensor<T> dY, Tensor<T> operand, string operandName, Tensor<T> into)
    {
        ArgumentNullException.ThrowIfNull(dY);
        ArgumentNullException.ThrowIfNull(operand, operandName);
        ArgumentNullException.ThrowIfNull(into);
        TensorShape.RequireBroadcastsTo(kernel, operandName, operand.Lengths, nameof(dY), dY.Lengths);
        TensorShape.RequireBroadcastsTo(kernel, nameof(into), into.Lengths, nameof(dY), dY.Lengths);
    }

    private static void ValidateElementwise<T>(string kernel, Tensor<T> dY, Tensor<T> operand, string operandName, Tensor<T> into)
    {
        ArgumentNullException.ThrowIfNull(dY);
        ArgumentNullException.ThrowIfNull(operand, operandName);
        ArgumentNullException.ThrowIfNull(into);
        TensorShape.RequireSameShape(kernel, nameof(dY), dY.Lengths, operandName, operand.Lengths);
        TensorShape.RequireSameShape(kernel, nameof(dY), dY.Lengths, nameof(into), into.Lengths);
    }

    /// <summary>One block of an element-wise adjoint: all spans have the same length; <c>scratch</c> is free to overwrite.</summary>
    private delegate void BlockKernel<T>(ReadOnlySpan<T> dY, ReadOnlySpan<T> operand, Span<T> into, Span<T> scratch);

    /// <summary>
    /// Runs an element-wise adjoint over blocks of <see cref="Block"/> elements with a pooled scratch buffer. With
    /// <paramref name="overwrite"/> each block of the target is cleared just before the body adds to it (while it is in cache),
    /// instead of the whole buffer being zeroed when it is allocated.
    /// </summary>
    private static void Elementwise<T>(string kernel, Tensor<T> dY, Tensor<T> operand, string operandName, Tensor<T> into, bool overwrite, BlockKernel<T> body)
        where T : IFloatingPointIeee754<T>
    {
        ValidateElementwise(kernel, dY, operand, operandName, into);
        ReadOnlySpan<T> g = Dense.Read(dY), o = Dense.Read(operand);
        Span<T> target = Dense.Target(kernel, into);
        using var scratch = Scratch<T>.Rent(Math.Min(Block, target.Length));
        for (int start = 0; start < target.Length; start += Block)
        {
            int length = Math.Min(Block, target.Length - start);
            if (overwrite) target.Slice(start, length).Clear();
            body(g.Slice(start, length), o.Slice(start, length), target.Slice(start, length), scratch.Span.Slice(0, length));
        }
    }
}
