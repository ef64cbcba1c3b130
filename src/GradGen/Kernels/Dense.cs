using System;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace GradGen;

/// <summary>
/// Access to tensor storage as flat row-major spans. Inputs may be strided views (e.g. <see cref="Tensor.Transpose{T}(Tensor{T})"/>);
/// they are read through <see cref="Read{T}"/>, which copies only when the tensor is not dense.
/// </summary>
internal static class Dense
{
    /// <summary>
    /// The elements of <paramref name="tensor"/> in row-major order: its own storage when dense, else a dense copy (from
    /// the active <see cref="Workspace"/>, if any: the span is only read during the op).
    /// </summary>
    public static ReadOnlySpan<T> Read<T>(Tensor<T> tensor) => tensor.IsDense ? Span(tensor) : Copy(tensor);

    /// <summary><paramref name="tensor"/> itself when dense, else a dense copy (for code that must hold a tensor rather than a span).</summary>
    public static Tensor<T> Materialize<T>(Tensor<T> tensor)
    {
        if (tensor.IsDense) return tensor;
        var copy = Result<T>(tensor.Lengths);
        tensor.FlattenTo(Span(copy));
        return copy;
    }

    /// <summary>
    /// The writable storage of a gradient buffer. Adjoint kernels accumulate into it in place, so it must be dense.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="into"/> is a strided or broadcast view.</exception>
    public static Span<T> Target<T>(string kernel, Tensor<T> into)
    {
        if (!into.IsDense)
        {
            throw new ArgumentException(
                $"{kernel}: into {TensorShape.Format(into)} must be a dense tensor (it is a strided view); gradients are accumulated in place.",
                nameof(into));
        }
        return Span(into);
    }

    /// <summary>The storage of a dense tensor as a span (the caller guarantees density).</summary>
    /// <remarks>
    /// From the tensor's first element: <c>Tensor&lt;T&gt;.GetPinnableReference</c> is the backing array's element 0 even
    /// when the tensor starts further in (a row slice <c>t[1..3, ..]</c> is dense; System.Numerics.Tensors 10.0.0), while
    /// its <c>TensorSpan</c>'s reference is the tensor's first element.
    /// </remarks>
    public static Span<T> Span<T>(Tensor<T> dense)
    {
        int count = checked((int)dense.FlattenedLength);
        return count == 0 ? System.Span<T>.Empty : MemoryMarshal.CreateSpan(ref dense.AsTensorSpan().GetPinnableReference(), count);
    }

    /// <summary>
    /// A new dense tensor of the shape whose contents are undefined: for results the caller overwrites completely. Inside
    /// a <see cref="Workspace"/> scope it is the workspace's tensor for this request (see <see cref="Workspace"/>).
    /// </summary>
    public static Tensor<T> Result<T>(ReadOnlySpan<nint> lengths) => Workspace.NewTensor<T>(lengths, zeroed: false);

    /// <summary>A new dense tensor of zeros of the shape (from the active <see cref="Workspace"/>, if any).</summary>
    public static Tensor<T> Zeros<T>(ReadOnlySpan<nint> lengths) => Workspace.NewTensor<T>(lengths, zeroed: true);

    /// <summary>A view of dense <paramref name="source"/> with other lengths (from the active <see cref="Workspace"/>, if any).</summary>
    public static Tensor<T> View<T>(Tensor<T> source, ReadOnlySpan<nint> lengths) => Workspace.NewView(source, lengths);

    /// <summary>Wraps a freshly computed row-major array as a tensor of the given shape (no copy).</summary>
    public static Tensor<T> Wrap<T>(T[] data, ReadOnlySpan<nint> lengths) => Tensor.Create(data, lengths);

    /// <summary>A zero-initialised array with as many elements as <paramref name="lengths"/> describes.</summary>
    public static T[] Allocate<T>(ReadOnlySpan<nint> lengths) => new T[TensorShape.Count(lengths)];

    /// <summary>
    /// An array with as many elements as <paramref name="lengths"/> describes, whose contents are undefined: only for
    /// results that the caller overwrites completely (skips zeroing large buffers).
    /// </summary>
    public static T[] AllocateForOverwrite<T>(ReadOnlySpan<nint> lengths) => GC.AllocateUninitializedArray<T>(TensorShape.Count(lengths));

    // A span cannot outlive the op that reads it, so the copy may come from the active workspace.
    private static ReadOnlySpan<T> Copy<T>(Tensor<T> tensor)
    {
        if (GuardZones.Enabled && GuardZones.Guards<T>())
        {
            var guarded = GuardZones.NewSpan<T>(checked((int)tensor.FlattenedLength), "dense copy of a strided tensor");
            tensor.FlattenTo(guarded);
            return guarded;
        }
        var copy = Workspace.NewArray<T>(checked((int)tensor.FlattenedLength));
        tensor.FlattenTo(copy);
        return copy;
    }
}
