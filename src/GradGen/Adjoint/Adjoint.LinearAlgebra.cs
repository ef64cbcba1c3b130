using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace GradGen;

// Backward kernels of matrix products.
public static partial class Adjoint
{
    // ── matrices ────────────────────────────────────────────────────────────────────────────

    /// <summary>For Y = A·B with A [M, K], B [K, N]: into (Ā, [M, K]) += dY · Bᵀ. Bᵀ is never materialised.</summary>
    public static void MatMulLeft<T>(Tensor<T> dY, Tensor<T> b, Tensor<T> into) where T : IFloatingPointIeee754<T>
    {
        const string Kernel = "Adjoint.MatMulLeft";
        ArgumentNullException.ThrowIfNull(dY);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(into);
        if (dY.Rank != 2 || b.Rank != 2 || into.Rank != 2
            || dY.Lengths[1] != b.Lengths[1] || into.Lengths[0] != dY.Lengths[0] || into.Lengths[1] != b.Lengths[0])
        {
            throw new ArgumentException(
                $"{Kernel}: dY {TensorShape.Format(dY)}, b {TensorShape.Format(b)} and into {TensorShape.Format(into)} are inconsistent; " +
                "expected dY [M, N], b [K, N] and into [M, K].");
        }
        Dense.Target(Kernel, into);
        int m = (int)dY.Lengths[0], n = (int)dY.Lengths[1], k = (int)b.Lengths[0];
        MatrixKernels.MatMulLeftAccumulate(Dense.Materialize(dY), Dense.Materialize(b), into, m, k, n);
    }

    /// <summary>For Y = A·B with A [M, K], B [K, N]: into (B̄, [K, N]) += Aᵀ · dY. Aᵀ is never materialised.</summary>
    public static void MatMulRight<T>(Tensor<T> a, Tensor<T> dY, Tensor<T> into) where T : IFloatingPointIeee754<T>
    {
        const string Kernel = "Adjoint.MatMulRight";
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(dY);
        ArgumentNullException.ThrowIfNull(into);
        if (a.Rank != 2 || dY.Rank != 2 || into.Rank != 2
            || a.Lengths[0] != dY.Lengths[0] || into.Lengths[0] != a.Lengths[1] || into.Lengths[1] != dY.Lengths[1])
        {
            throw new ArgumentException(
                $"{Kernel}: a {TensorShape.Format(a)}, dY {TensorShape.Format(dY)} and into {TensorShape.Format(into)} are inconsistent; " +
                "expected a [M, K], dY [M, N] and into [K, N].");
        }
        Dense.Target(Kernel, into);
        int m = (int)a.Lengths[0], k = (int)a.Lengths[1], n = (int)dY.Lengths[1];
        MatrixKernels.MatMulRightAccumulate(Dense.Materialize(a), Dense.Materialize(dY), into, m, k, n);
    }
}
