using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace GradGen;

// Matrix products.
public static partial class Ops
{
    // ── matrices ────────────────────────────────────────────────────────────────────────────

    /// <summary>The matrix product of a [M, K] and b [K, N], a new [M, N] tensor.</summary>
    /// <exception cref="ArgumentException">An operand is not 2-D, or the inner dimensions differ.</exception>
    public static Tensor<T> MatMul<T>(Tensor<T> a, Tensor<T> b) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Rank != 2 || b.Rank != 2)
        {
            throw new ArgumentException($"MatMul: cannot multiply {TensorShape.Format(a)} by {TensorShape.Format(b)}: both operands must be 2-D.");
        }
        int m = checked((int)a.Lengths[0]), k = checked((int)a.Lengths[1]), n = checked((int)b.Lengths[1]);
        if (b.Lengths[0] != k)
        {
            throw new ArgumentException(
                $"MatMul: cannot multiply {TensorShape.Format(a)} by {TensorShape.Format(b)}: inner dimensions {k} and {(long)b.Lengths[0]} differ.");
        }
        var result = Dense.Wrap(new T[checked(m * n)], stackalloc nint[] { m, n });
        MatrixKernels.MatMul(Dense.Materialize(a), Dense.Materialize(b), result, m, k, n);
        return result;
    }
}
