using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace GradGen;

// Loss functions.
public static partial class Ops
{
    // ── losses ─────────────────────────────────────────────────────────────────────────────

    /// <summary>
    /// The mean softmax cross-entropy of <paramref name="logits"/> [N, C] — or [..., C], e.g. a language model's [B, T, V],
    /// whose leading dimensions make up the N = B·T rows — against class indices <paramref name="targets"/> (length N,
    /// row-major, e.g. [B, T] flattened; each in [0, C)): (1/N) Σ_i −log softmax(z_i)[y_i], the mean over all rows,
    /// computed as (1/N) Σ_i (logsumexp(z_i) − z_i[y_i]) with the row maximum subtracted, so it stays finite for large
    /// logits. The mean over zero rows is NaN.
    /// </summary>
    /// <param name="logits">The scores [..., C], rank ≥ 2.</param>
    /// <param name="targets">One class index per row, row-major.</param>
    /// <exception cref="ArgumentException">logits has rank below 2, targets has the wrong length, or a target is out of range.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static T SoftmaxCrossEntropy<T>(Tensor<T> logits, int[] targets) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(targets);
        (int rows, int classes) = ValidateCrossEntropy(nameof(SoftmaxCrossEntropy), logits, targets);
        ReadOnlySpan<T> z = Dense.Read(logits);
        if (RowKernels.Applies<T>() && classes > 0)
        {
            return RowKernels.CrossEntropy(z, targets, rows, classes, T.Zero, default, wantLoss: true, SimdWidth.Rows);
        }
        using var scratch = Scratch<T>.Rent(classes);
        T total = T.Zero;
        for (int i = 0; i < rows; i++)
        {
            ReadOnlySpan<T> row = z.Slice(i * classes, classes);
            total += LogSumExp(row, scratch.Span) - row[targets[i]];
        }
        return total / T.CreateChecked(rows);
    }

    /// <summary>Validates the operands of a softmax cross-entropy over logits [..., C] and returns (N, C), N the product of the leading dimensions.</summary>
    internal static (int Rows, int Classes) ValidateCrossEntropy<T>(string op, Tensor<T> logits, int[] targets)
    {
        if (logits.Rank < 2)
        {
            throw new ArgumentException($"{op}: logits must be [N, C] or [..., C] (rank ≥ 2), got {TensorShape.Format(logits)}.", nameof(logits));
        }
        int classes = checked((int)logits.Lengths[logits.Rank - 1]);
        int rows = TensorShape.Count(logits.Lengths[..^1]);
        if (targets.Length != rows)
        {
            throw new ArgumentException(
                $"{op}: targets has length {targets.Length} but logits {TensorShape.Format(logits)} has {rows} rows.", nameof(targets));
        }
        for (int i = 0; i < rows; i++)
        {
            if ((uint)targets[i] >= (uint)classes)
            {
                throw new ArgumentException($"{op}: target {targets[i]} at row {i} is out of range [0, {classes}).", nameof(targets));
            }
        }
        return (rows, classes);
    }
}
