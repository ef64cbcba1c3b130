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
    /// The mean softmax cross-entropy of <paramref name="logits"/> [N, C] against class indices
    /// <paramref name="targets"/> (length N, each in [0, C)): (1/N) Σ_i −log softmax(z_i)[y_i], computed as
    /// (1/N) Σ_i (logsumexp(z_i) − z_i[y_i]) with the row maximum subtracted, so it stays finite for large logits.
    /// The mean over zero rows is NaN.
    /// </summary>
    /// <exception cref="ArgumentException">logits is not 2-D, targets has the wrong length, or a target is out of range.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static T SoftmaxCrossEntropy<T>(Tensor<T> logits, int[] targets) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(targets);
        (int rows, int classes) = ValidateCrossEntropy(nameof(SoftmaxCrossEntropy), logits, targets);
        ReadOnlySpan<T> z = Dense.Read(logits);
        using var scratch = Scratch<T>.Rent(classes);
        T total = T.Zero;
        for (int i = 0; i < rows; i++)
        {
            ReadOnlySpan<T> row = z.Slice(i * classes, classes);
            total += LogSumExp(row, scratch.Span) - row[targets[i]];
        }
        return total / T.CreateChecked(rows);
    }

    /// <summary>Validates the operands of a softmax cross-entropy and returns (N, C).</summary>
    internal static (int Rows, int Classes) ValidateCrossEntropy<T>(string op, Tensor<T> logits, int[] targets)
    {
        if (logits.Rank != 2)
        {
            throw new ArgumentException($"{op}: logits must be 2-D [N, C], got {TensorShape.Format(logits)}.", nameof(logits));
        }
        int rows = checked((int)logits.Lengths[0]), classes = checked((int)logits.Lengths[1]);
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
