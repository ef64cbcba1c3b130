using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace GradGen;

/// <summary>
/// The three products of a (batched) MatMul Y = A·B over leading batch dimensions with numpy broadcasting:
/// the forward Y[t] = A[a(t)]·B[b(t)], and the adjoints Ā[a(t)] += Ȳ[t]·B[b(t)]ᵀ and B̄[b(t)] += A[a(t)]ᵀ·Ȳ[t],
/// where t runs over Y's batch index and a(t), b(t) map it to the operands' (possibly broadcast) batch indices.
/// </summary>
/// <remarks>
/// <para>All tensors are dense and validated by the caller (<see cref="MatMulShapes"/>). Every product goes through
/// <see cref="Gemm"/>, reading transposed operands in place.</para>
/// <para>When B has no batch dimensions (an activation [.., M, K] times a weight [K, N]) the batch folds into the rows:
/// one product for the forward and for Ā, one with the batch folded into the inner dimension for B̄. Otherwise items
/// run one by one (each product parallel when large), or spread over cores when they are small and write disjoint
/// outputs. Gradients of broadcast operands are summed over the batch items that read them.</para>
/// </remarks>
internal sealed class BatchedGemm<T> : IParallelJob where T : IFloatingPointIeee754<T>
{
    /// <summary>Which product of Y = A·B.</summary>
    public enum Product
    {
        /// <summary>Y = A·B (overwrites Y).</summary>
        Forward,

        /// <summary>Ā += Ȳ·Bᵀ (Ā = Ȳ·Bᵀ when the run overwrites).</summary>
        Left,

        /// <summary>B̄ += Aᵀ·Ȳ (B̄ = Aᵀ·Ȳ when the run overwrites).</summary>
        Right,
    }

    /// <summary>
    /// Items with fewer multiply-adds than this run whole, one thread each, spread over the cores (one fork for all of
    /// them); larger ones one after another, each split over the cores. 2²⁰: when the products' own threshold
    /// (<see cref="Sgemm.ParallelMacs"/>) came down to 2¹⁸, items between the two kept the one fork for all.
    /// </summary>
    private const long ItemParallelMacs = 1L << 20;

    [ThreadStatic] private static BatchedGemm<T>? t_job;

    private Product _product;
    private Tensor<T> _a = null!, _b = null!, _y = null!;
    private int _m, _k, _n;
    private bool _overwrite;

    /// <summary>
    /// Runs one product. <paramref name="a"/> is A [.., M, K] (or Ā for <see cref="Product.Left"/>), <paramref name="b"/> is
    /// B [.., K, N] (or B̄ for <see cref="Product.Right"/>), <paramref name="y"/> is Y [.., M, N] (Ȳ for the adjoints),
    /// all dense with consistent shapes. With <paramref name="overwrite"/> an adjoint writes its gradient instead of adding
    /// to it (the gradient's first contribution; the forward always writes).
    /// </summary>
    public static void Run(Product product, Tensor<T> a, Tensor<T> b, Tensor<T> y, bool overwrite = false)
    {
        KernelCounters.Products++;
        int m = (int)a.Lengths[^2], k = (int)a.Lengths[^1], n = (int)b.Lengths[^1];
        if (b.Rank == 2)
        {
            // The batch folds into M: A and Y are [batch·M, K] and [batch·M, N] row-major.
            int rows = TensorShape.Count(a.Lengths[..^1]);
            switch (product)
            {
                case Product.Forward: MatrixKernels.MatMul<T>(Dense.Span(a), Dense.Span(b), Dense.Span(y), rows, k, n); break;
                case Product.Left: MatrixKernels.MatMulLeft<T>(Dense.Span(y), Dense.Span(b), Dense.Span(a), rows, k, n, overwrite); break;
                default: MatrixKernels.MatMulRight<T>(Dense.Span(a), Dense.Span(y), Dense.Span(b), rows, k, n, overwrite); break;
            }
            return;
        }

        var job = t_job ??= new BatchedGemm<T>();
        (job._product, job._a, job._b, job._y, job._m, job._k, job._n) = (product, a, b, y, m, k, n);
        try
        {
            int items = TensorShape.Count(y.Lengths[..^2]);
            ReadOnlySpan<nint> written = product switch { Product.Forward => y.Lengths, Product.Left => a.Lengths, _ => b.Lengths };
            bool disjoint = written.Length == y.Rank && written[..^2].SequenceEqual(y.Lengths[..^2]);
            // A broadcast operand's gradient sums several items: written once cleared, then added to item by item.
            job._overwrite = overwrite && disjoint;
            if (overwrite && !disjoint) Dense.Span(product == Product.Left ? a : b).Clear();
            long macs = (long)m * n * k;
            if (disjoint && items > 1 && macs < ItemParallelMacs && macs * items >= Sgemm.ParallelMacs)
            {
                WorkerPool.Run(job, Math.Min(items, 4 * WorkerPool.Threads));
            }
            else
            {
                job.Items(0, items);
            }
        }
        finally
        {
            (job._a, job._b, job._y) = (null!, null!, null!);
        }
    }

    /// <inheritdoc/>
    public void Run(int part, int parts)
    {
        int items = TensorShape.Count(_y.Lengths[..^2]);
        Items((int)((long)items * part / parts), (int)((long)items * (part + 1) / parts));
    }

    private void Items(int start, int end)
    {
        Span<T> a = Dense.Span(_a), b = Dense.Span(_b), y = Dense.Span(_y);
        ReadOnlySpan<nint> batch = _y.Lengths[..^2];
        int m = _m, k = _k, n = _n;
        for (int t = start; t < end; t++)
        {
            Span<T> ai = a.Slice(OperandItem(t, batch, _a.Lengths[..^2]) * m * k, m * k);
            Span<T> bi = b.Slice(OperandItem(t, batch, _b.Lengths[..^2]) * k * n, k * n);
            Span<T> yi = y.Slice(t * m * n, m * n);
            switch (_product)
            {
                case Product.Forward: MatrixKernels.MatMul<T>(ai, bi, yi, m, k, n); break;
                case Product.Left: MatrixKernels.MatMulLeft<T>(yi, bi, ai, m, k, n, _overwrite); break;
                default: MatrixKernels.MatMulRight<T>(ai, yi, bi, m, k, n, _overwrite); break;
            }
        }
    }

    /// <summary>The flat batch index of an operand with batch shape <paramref name="operand"/> read by item <paramref name="item"/> of <paramref name="batch"/>.</summary>
    private static int OperandItem(int item, ReadOnlySpan<nint> batch, ReadOnlySpan<nint> operand)
    {
        int result = 0, scale = 1, offset = batch.Length - operand.Length;
        for (int d = batch.Length - 1; d >= 0; d--)
        {
            int length = (int)batch[d];
            int index = item % length;
            item /= length;
            if (d < offset) continue;
            int operandLength = (int)operand[d - offset];
            if (operandLength != 1) result += index * scale;
            scale *= operandLength;
        }
        return result;
    }
}
