using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace GradGen;

// Backward kernels of loss functions.
public static partial class Adjoint
{
    // ── losses ─────────────────────────────────────────────────────────────────────────────

    /// <summary>
    /// For L = <see cref="Ops.SoftmaxCrossEntropy{T}"/>(Z, targets) with Z [N, C] or [..., C] (N rows in all):
    /// into (Z̄) += dL · (softmax(Z) − onehot(targets)) / N, row by row.
    /// </summary>
    /// <param name="dL">∂L'/∂L, the upstream gradient of the scalar loss.</param>
    /// <param name="logits">The forward logits.</param>
    /// <param name="targets">The forward targets, one per row.</param>
    /// <param name="into">Z̄, the logits' shape, dense; accumulated into.</param>
    /// <param name="overwrite">into = … instead of into += … (a gradient's first contribution): into is cleared first.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SoftmaxCrossEntropy<T>(T dL, Tensor<T> logits, int[] targets, Tensor<T> into, bool overwrite = false) where T : IFloatingPointIeee754<T>
    {
        const string Kernel = "Adjoint.SoftmaxCrossEntropy";
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(into);
        (int rows, int classes) = Ops.ValidateCrossEntropy(Kernel, logits, targets);
        TensorShape.RequireSameShape(Kernel, nameof(logits), logits.Lengths, nameof(into), into.Lengths);
        ReadOnlySpan<T> z = Dense.Read(logits);
        Span<T> target = Dense.Target(Kernel, into);
        if (rows == 0) return;
        T scale = dL / T.CreateChecked(rows);
        if (RowKernels.Applies<T>() && classes > 0)
        {
            RowKernels.CrossEntropy(z, targets, rows, classes, scale, target, wantLoss: false, SimdWidth.Rows, write: overwrite);
            return;
        }
        using var probabilities = Scratch<T>.Rent(classes);
        for (int i = 0; i < rows; i++)
        {
            Span<T> row = target.Slice(i * classes, classes);
            if (overwrite) row.Clear();
            Ops.SoftmaxRow(z.Slice(i * classes, classes), probabilities.Span);
            TensorPrimitives.MultiplyAdd(probabilities.Span, scale, row, row);
            row[targets[i]] -= scale;
        }
    }

    /// <summary>
    /// The forward and backward of L = <see cref="Ops.SoftmaxCrossEntropy{T}"/>(Z, targets) fused into one pass over the
    /// logits: returns L and adds dL · (softmax(Z) − onehot(targets)) / N to <paramref name="into"/> (Z̄), computing each
    /// row's exponentials once for both. Allocates nothing.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static T SoftmaxCrossEntropyWithLoss<T>(T dL, Tensor<T> logits, int[] targets, Tensor<T> into) where T : IFloatingPointIeee754<T>
    {
        const string Kernel = "Adjoint.SoftmaxCrossEntropyWithLoss";
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(into);
        (int rows, int classes) = Ops.ValidateCrossEntropy(Kernel, logits, targets);
        TensorShape.RequireSameShape(Kernel, nameof(logits), logits.Lengths, nameof(into), into.Lengths);
        ReadOnlySpan<T> z = Dense.Read(logits);
        Span<T> target = Dense.Target(Kernel, into);
        T scale = dL / T.CreateChecked(rows);
        if (RowKernels.Applies<T>() && classes > 0)
        {
            return RowKernels.CrossEntropy(z, targets, rows, classes, scale, target, wantLoss: true, SimdWidth.Rows);
        }
        T total = T.Zero;
        using var exponentials = Scratch<T>.Rent(classes);
        Span<T> e = exponentials.Span;
        for (int i = 0; i < rows; i++)
        {
            ReadOnlySpan<T> row = z.Slice(i * classes, classes);
            T max = TensorPrimitives.Max(row);
            TensorPrimitives.Subtract(row, max, e);
            TensorPrimitives.Exp(e, e);
            T sum = TensorPrimitives.Sum<T>(e);
            total += max + T.Log(sum) - row[targets[i]];
            Span<T> gradient = target.Slice(i * classes, classes);
            TensorPrimitives.MultiplyAdd(e, scale / sum, gradient, gradient);
            gradient[targets[i]] -= scale;
        }
        return total / T.CreateChecked(rows);
    }
}
