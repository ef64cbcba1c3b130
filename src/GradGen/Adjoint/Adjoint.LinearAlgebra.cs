using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace GradGen;

// Backward kernels of matrix products.
public static partial class Adjoint
{
    // ── matrices ────────────────────────────────────────────────────────────────────────────

    /// <summary>
    /// For Y = A·B with A [.., M, K], B [.., K, N] (<see cref="Ops.MatMul{T}(Tensor{T}, Tensor{T})"/>, batched or not):
    /// into (Ā, shaped like A) += dY · Bᵀ per batch item, summed over the batch dimensions along which A was broadcast.
    /// Bᵀ is never materialised; nothing is allocated when the operands are dense. With <paramref name="overwrite"/>,
    /// into = dY · Bᵀ: its previous contents are ignored (a gradient's first contribution, into from <see cref="Uninitialized{T}"/>).
    /// </summary>
    public static void MatMulLeft<T>(Tensor<T> dY, Tensor<T> b, Tensor<T> into, bool overwrite = false) where T : IFloatingPointIeee754<T>
    {
        const string Kernel = "Adjoint.MatMulLeft";
        ArgumentNullException.ThrowIfNull(dY);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(into);
        if (!MatMulShapes.IsResult(into.Lengths, b.Lengths, dY.Lengths))
        {
            throw new ArgumentException(
                $"{Kernel}: dY {TensorShape.Format(dY)}, b {TensorShape.Format(b)} and into {TensorShape.Format(into)} are inconsistent; " +
                "expected dY [.., M, N], b [.., K, N] and into [.., M, K] with dY's batch the broadcast of b's and into's.");
        }
        Dense.Target(Kernel, into);
        BatchedGemm<T>.Run(BatchedGemm<T>.Product.Left, into, Dense.Materialize(b), Dense.Materialize(dY), overwrite);
    }

    /// <summary>
    /// For Y = A·B with A [.., M, K], B [.., K, N] (<see cref="Ops.MatMul{T}(Tensor{T}, Tensor{T})"/>, batched or not):
    /// into (B̄, shaped like B) += Aᵀ · dY per batch item, summed over the batch dimensions along which B was broadcast
    /// (for a 2-D weight, over the whole batch). Aᵀ is never materialised; nothing is allocated when the operands are dense.
    /// With <paramref name="overwrite"/>, into = Aᵀ · dY: its previous contents are ignored.
    /// </summary>
    public static void MatMulRight<T>(Tensor<T> a, Tensor<T> dY, Tensor<T> into, bool overwrite = false) where T : IFloatingPointIeee754<T>
    {
        const string Kernel = "Adjoint.MatMulRight";
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(dY);
        ArgumentNullException.ThrowIfNull(into);
        if (!MatMulShapes.IsResult(a.Lengths, into.Lengths, dY.Lengths))
        {
            throw new ArgumentException(
                $"{Kernel}: a {TensorShape.Format(a)}, dY {TensorShape.Format(dY)} and into {TensorShape.Format(into)} are inconsistent; " +
                "expected a [.., M, K], dY [.., M, N] and into [.., K, N] with dY's batch the broadcast of a's and into's.");
        }
        Dense.Target(Kernel, into);
        BatchedGemm<T>.Run(BatchedGemm<T>.Product.Right, Dense.Materialize(a), into, Dense.Materialize(dY), overwrite);
    }

    /// <summary>
    /// For y = <see cref="Ops.MatMulBiasRelu{T}"/>(a, b, bias): with ĝ = dY ⊙ 1[y &gt; 0] (in a buffer of the workspace,
    /// released after), intoA += ĝ · bᵀ, intoB += aᵀ · ĝ, intoBias += Σ_rows ĝ — each skipped when its buffer is null. The
    /// same kernels, in the same order, as the unfused ReLU, bias and product adjoints. With <paramref name="overwriteA"/>,
    /// <paramref name="overwriteB"/> or <paramref name="overwriteBias"/> that buffer is written (=) instead of added to.
    /// </summary>
    public static void MatMulBiasRelu<T>(Tensor<T> dY, Tensor<T> a, Tensor<T> b, Tensor<T> y, Tensor<T>? intoA, Tensor<T>? intoB, Tensor<T>? intoBias,
        bool overwriteA = false, bool overwriteB = false, bool overwriteBias = false)
        where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(y);
        var masked = Uninitialized(y);
        Relu(dY, y, masked, overwrite: true);
        if (intoBias is not null) Identity(masked, intoBias, overwriteBias);
        if (intoA is not null) MatMulLeft(masked, b, intoA, overwriteA);
        if (intoB is not null) MatMulRight(a, masked, intoB, overwriteB);
        Workspace.Release(masked);
    }

    /// <summary>For y = <see cref="Ops.MatMulTransposed{T}"/>(a, b) (a [.., M, K], b [N, K]): into (ā) += dY · b (= with <paramref name="overwrite"/>).</summary>
    public static void MatMulTransposedLeft<T>(Tensor<T> dY, Tensor<T> b, Tensor<T> into, bool overwrite = false) where T : IFloatingPointIeee754<T>
    {
        const string Kernel = "Adjoint.MatMulTransposedLeft";
        ArgumentNullException.ThrowIfNull(dY);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(into);
        int rows = TensorShape.Count(into.Lengths[..^1]), k = (int)into.Lengths[^1], n = (int)dY.Lengths[^1];
        if (b.Rank != 2 || b.Lengths[0] != n || b.Lengths[1] != k || TensorShape.Count(dY.Lengths[..^1]) != rows)
        {
            throw new ArgumentException($"{Kernel}: dY {TensorShape.Format(dY)}, b {TensorShape.Format(b)} and into {TensorShape.Format(into)} are inconsistent; expected dY [.., M, N], b [N, K], into [.., M, K].");
        }
        Span<T> target = Dense.Target(Kernel, into);
        if (overwrite) MatrixKernels.MatMul<T>(Dense.Read(dY), Dense.Read(b), target, rows, n, k);
        else MatrixKernels.MatMulAccumulate<T>(Dense.Read(dY), Dense.Read(b), target, rows, n, k);
    }

    /// <summary>For y = <see cref="Ops.MatMulTransposed{T}"/>(a, b) (a [.., M, K], b [N, K]): into (b̄, [N, K]) += dYᵀ · a, summed over a's rows (= with <paramref name="overwrite"/>).</summary>
    public static void MatMulTransposedRight<T>(Tensor<T> a, Tensor<T> dY, Tensor<T> into, bool overwrite = false) where T : IFloatingPointIeee754<T>
    {
        const string Kernel = "Adjoint.MatMulTransposedRight";
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(dY);
        ArgumentNullException.ThrowIfNull(into);
        int rows = TensorShape.Count(a.Lengths[..^1]), k = (int)a.Lengths[^1], n = (int)dY.Lengths[^1];
        if (into.Rank != 2 || into.Lengths[0] != n || into.Lengths[1] != k || TensorShape.Count(dY.Lengths[..^1]) != rows)
        {
            throw new ArgumentException($"{Kernel}: a {TensorShape.Format(a)}, dY {TensorShape.Format(dY)} and into {TensorShape.Format(into)} are inconsistent; expected a [.., M, K], dY [.., M, N], into [N, K].");
        }
        Span<T> target = Dense.Target(Kernel, into);
        // into[N, K] (+)= dY[rows, N]ᵀ · a[rows, K]: the product MatMulRight computes.
        MatrixKernels.MatMulRight<T>(Dense.Read(dY), Dense.Read(a), target, rows, n, k, overwrite);
    }
}
