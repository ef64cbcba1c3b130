using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace GradGen;

// Softmax over the last axis.
public static partial class Ops
{
    // ── softmax ─────────────────────────────────────────────────────────────────────────────

    /// <summary>
    /// Softmax over the last axis: every row (the last dimension) of the result is e^(x − max) / Σ e^(x − max),
    /// non-negative and summing to 1. Subtracting the row maximum keeps it finite for large inputs.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Tensor<T> Softmax<T>(Tensor<T> x) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(x);
        ReadOnlySpan<T> source = Dense.Read(x);
        var result = Dense.Result<T>(x.Lengths);
        Span<T> output = Dense.Span(result);
        int n = checked((int)x.Lengths[x.Rank - 1]);
        for (int offset = 0; n > 0 && offset < source.Length; offset += n)
        {
            SoftmaxRow(source.Slice(offset, n), output.Slice(offset, n));
        }
        return result;
    }

    /// <summary>
    /// <paramref name="into"/> = softmax(x) over the last axis (see <see cref="Softmax{T}(Tensor{T})"/>), written into a
    /// caller-owned dense tensor of x's shape (it may be x). Returns it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Tensor<T> Softmax<T>(Tensor<T> x, Tensor<T> into) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(into);
        TensorShape.RequireSameShape(nameof(Softmax), nameof(x), x.Lengths, nameof(into), into.Lengths);
        ReadOnlySpan<T> source = Dense.Read(x);
        Span<T> target = Dense.Target(nameof(Softmax), into);
        int n = checked((int)x.Lengths[x.Rank - 1]);
        for (int offset = 0; n > 0 && offset < source.Length; offset += n)
        {
            SoftmaxRow(source.Slice(offset, n), target.Slice(offset, n));
        }
        return into;
    }

    /// <summary>destination = softmax(source), one row.</summary>
    internal static void SoftmaxRow<T>(ReadOnlySpan<T> source, Span<T> destination) where T : IFloatingPointIeee754<T>
    {
        T max = TensorPrimitives.Max(source);
        TensorPrimitives.Subtract(source, max, destination);
        TensorPrimitives.Exp(destination, destination);
        TensorPrimitives.Divide(destination, TensorPrimitives.Sum(destination), destination);
    }

    /// <summary>log Σ e^row, stably; <paramref name="scratch"/> (same length as the row) is overwritten.</summary>
    internal static T LogSumExp<T>(ReadOnlySpan<T> row, Span<T> scratch) where T : IFloatingPointIeee754<T>
    {
        T max = TensorPrimitives.Max(row);
        TensorPrimitives.Subtract(row, max, scratch);
        TensorPrimitives.Exp(scratch, scratch);
        return max + T.Log(TensorPrimitives.Sum(scratch));
    }
}
