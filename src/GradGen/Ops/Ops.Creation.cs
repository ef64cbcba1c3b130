using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace GradGen;

// Tensor construction.
public static partial class Ops
{
    // ── construction ────────────────────────────────────────────────────────────────────────

    /// <summary>
    /// A new dense tensor of zeros with the shape of <paramref name="x"/> (inside a <see cref="Workspace"/> scope: the
    /// workspace's tensor for this request, cleared).
    /// </summary>
    public static Tensor<T> ZerosLike<T>(Tensor<T> x) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(x);
        return Dense.Zeros<T>(x.Lengths);
    }

    /// <summary>
    /// A new array of dense zero tensors, element i shaped like <paramref name="parts"/>[i] (a null element stays null): the
    /// gradient of an array of tensors, e.g. of <see cref="Split{T}"/>'s parts. The same tensor twice gets two buffers. Inside
    /// a <see cref="Workspace"/> scope the array and the tensors are the workspace's for this request, cleared.
    /// </summary>
    public static Tensor<T>[] ZerosLike<T>(Tensor<T>?[] parts) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(parts);
        var zeros = Workspace.NewArray<Tensor<T>>(parts.Length);
        for (int i = 0; i < parts.Length; i++) zeros[i] = parts[i] is { } part ? Dense.Zeros<T>(part.Lengths) : null!;
        return zeros;
    }

    // ── elements ─────────────────────────────────────────────────────────────────────────────

    /// <summary>
    /// The elements of a dense tensor as a span, in row-major order from the tensor's first element: the way to fill,
    /// initialise or read a tensor element by element (an optimizer's update, a custom initialiser). Prefer it to
    /// <c>MemoryMarshal.CreateSpan(ref tensor.GetPinnableReference(), …)</c>: in System.Numerics.Tensors 10.0
    /// <c>GetPinnableReference</c> is the backing array's element 0 even when the tensor starts further in (a row slice,
    /// a workspace's tensor), so that span covers the wrong elements.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="tensor"/> is a strided or broadcast view (not dense).</exception>
    public static Span<T> AsSpan<T>(Tensor<T> tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (!tensor.IsDense)
        {
            throw new ArgumentException($"{nameof(AsSpan)}: {TensorShape.Format(tensor)} is a strided view; make a dense copy first (Ops.Reshape copies a strided view).", nameof(tensor));
        }
        return Dense.Span(tensor);
    }

    // ── clearing (zeroing gradients between steps) ──────────────────────────────────────────

    /// <summary>
    /// Sets every element of <paramref name="tensor"/> to zero, in place. This is the way to zero a gradient buffer
    /// between training steps: for a dense tensor it clears the underlying storage in one pass (about 100× faster than
    /// <c>Tensor&lt;T&gt;.Clear()</c> of System.Numerics.Tensors 10.0, which walks the tensor element by element).
    /// Strided views are cleared through their own <c>Clear</c>.
    /// </summary>
    public static void Clear<T>(Tensor<T> tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.IsDense) Dense.Span(tensor).Clear();
        else tensor.Clear();
    }

    /// <summary>
    /// Zeroes every gradient buffer in <paramref name="gradients"/> (see <see cref="Clear{T}(Tensor{T})"/>): the one call
    /// a training loop makes before accumulating the next step's gradients. With C# 13 or later the arguments are
    /// passed without allocating.
    /// </summary>
    public static void ZeroGradients<T>(params ReadOnlySpan<Tensor<T>> gradients)
    {
        foreach (var gradient in gradients) Clear(gradient);
    }

    /// <summary>Zeroes every gradient buffer in <paramref name="gradients"/> (see <see cref="Clear{T}(Tensor{T})"/>).</summary>
    public static void ZeroGradients<T>(params Tensor<T>[] gradients)
    {
        ArgumentNullException.ThrowIfNull(gradients);
        ZeroGradients((ReadOnlySpan<Tensor<T>>)gradients);
    }
}
