using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace GradGen;

// Matrix products.
public static partial class Ops
{
    // ── matrices ────────────────────────────────────────────────────────────────────────────

    /// <summary>
    /// The matrix product of a [.., M, K] and b [.., K, N], a new [.., M, N] tensor, with numpy/PyTorch <c>matmul</c>
    /// semantics over the leading (batch) dimensions: they broadcast like element-wise operands, so a [B, T, K]
    /// activation times a [K, N] weight gives [B, T, N], and [B, H, T, D] times [B, H, D, T] gives [B, H, T, T].
    /// Two 2-D operands give the ordinary product [M, N].
    /// </summary>
    /// <exception cref="ArgumentException">An operand has rank below 2, the inner dimensions differ, or the batch dimensions do not broadcast.</exception>
    public static Tensor<T> MatMul<T>(Tensor<T> a, Tensor<T> b) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        nint[] shape = MatMulShapes.Result(nameof(MatMul), a.Lengths, b.Lengths);
        var result = Dense.Result<T>(shape);
        BatchedGemm<T>.Run(BatchedGemm<T>.Product.Forward, Dense.Materialize(a), Dense.Materialize(b), result);
        return result;
    }

    /// <summary>
    /// <paramref name="into"/> = a · b (see <see cref="MatMul{T}(Tensor{T}, Tensor{T})"/>), written into a caller-owned
    /// dense tensor of the result's shape, whose previous contents are ignored: the allocation-free form. Returns
    /// <paramref name="into"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The operands do not multiply, <paramref name="into"/> is not shaped like the result or is not dense.</exception>
    public static Tensor<T> MatMul<T>(Tensor<T> a, Tensor<T> b, Tensor<T> into) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(into);
        if (!MatMulShapes.IsResult(a.Lengths, b.Lengths, into.Lengths))
        {
            nint[] shape = MatMulShapes.Result(nameof(MatMul), a.Lengths, b.Lengths);
            throw new ArgumentException(
                $"MatMul: into {TensorShape.Format(into)} must have the shape of {TensorShape.Format(a)} · {TensorShape.Format(b)}, {TensorShape.Format(shape)}.",
                nameof(into));
        }
        Dense.Target(nameof(MatMul), into);
        BatchedGemm<T>.Run(BatchedGemm<T>.Product.Forward, Dense.Materialize(a), Dense.Materialize(b), into);
        return into;
    }

    /// <summary>
    /// a · b + bias, with <paramref name="bias"/> a row vector [N] added to every row of the product [.., M, N]: the same
    /// numbers as <c>Ops.Add(Ops.MatMul(a, b), bias)</c>, bit for bit, without the intermediate product (the bias is added
    /// in place). Generated code calls it where planning fuses a product and the bias added to it. A bias that is not such a
    /// row is added as <see cref="Add{T}(Tensor{T}, Tensor{T})"/> adds it (broadcast), into a new result.
    /// </summary>
    /// <exception cref="ArgumentException">The operands do not multiply, or the bias does not broadcast to the product.</exception>
    public static Tensor<T> MatMulBias<T>(Tensor<T> a, Tensor<T> b, Tensor<T> bias) where T : IFloatingPointIeee754<T>
        => IsRowOf(bias, b) ? AddRows(a, b, bias, relu: false) : Add(MatMul(a, b), bias);

    /// <summary>
    /// <see cref="MatMulBias{T}"/> where the user wrote System.Numerics.Tensors' <c>+</c> for the bias (see
    /// <see cref="OperatorAdd{T}"/>): for a row bias the operator's shape is numpy's, so the same; any other bias is added as
    /// the operator would be, refusing the shapes it gets wrong.
    /// </summary>
    public static Tensor<T> OperatorMatMulBias<T>(Tensor<T> a, Tensor<T> b, Tensor<T> bias) where T : IFloatingPointIeee754<T>
        => IsRowOf(bias, b) ? AddRows(a, b, bias, relu: false) : OperatorAdd(MatMul(a, b), bias);

    /// <summary>
    /// ReLU(a · b + bias), with <paramref name="bias"/> a row [N]: the same numbers as
    /// <c>Ops.Relu(Ops.Add(Ops.MatMul(a, b), bias))</c>, bit for bit, with the bias and the ReLU applied to the product in
    /// place, row by row while it is in cache (no intermediate). Generated code calls it where planning fuses a layer.
    /// </summary>
    public static Tensor<T> MatMulBiasRelu<T>(Tensor<T> a, Tensor<T> b, Tensor<T> bias) where T : IFloatingPointIeee754<T>
        => IsRowOf(bias, b) ? AddRows(a, b, bias, relu: true) : Relu(Add(MatMul(a, b), bias));

    /// <summary><see cref="MatMulBiasRelu{T}"/> where the user wrote <c>+</c> for the bias (see <see cref="OperatorMatMulBias{T}"/>).</summary>
    public static Tensor<T> OperatorMatMulBiasRelu<T>(Tensor<T> a, Tensor<T> b, Tensor<T> bias) where T : IFloatingPointIeee754<T>
        => IsRowOf(bias, b) ? AddRows(a, b, bias, relu: true) : Relu(OperatorAdd(MatMul(a, b), bias));

    /// <summary>The bias is a row [N] of the product with b [.., K, N]: what the fused forms add in place.</summary>
    private static bool IsRowOf<T>(Tensor<T> bias, Tensor<T> b)
    {
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(bias);
        return bias.Rank == 1 && b.Rank >= 1 && bias.Lengths[0] == b.Lengths[^1];
    }

    /// <summary>
    /// a · b + bias (a row of the product) and ReLU when asked. A matrix b (the layer's weight) takes one product whose store
    /// adds the bias and applies the ReLU (<see cref="MatrixKernels.MatMulBias{T}"/>); a batched b, the product and then a
    /// pass over it, row by row.
    /// </summary>
    private static Tensor<T> AddRows<T>(Tensor<T> a, Tensor<T> b, Tensor<T> bias, bool relu) where T : IFloatingPointIeee754<T>
    {
        if (b.Rank != 2 || a.Rank < 2 || a.Lengths[^1] != b.Lengths[0]) return AddRows(MatMul(a, b), bias, relu);
        Span<nint> shape = stackalloc nint[a.Rank];
        a.Lengths.CopyTo(shape);
        shape[^1] = b.Lengths[1];
        var result = Dense.Result<T>(shape);
        int rows = TensorShape.Count(a.Lengths[..^1]), k = (int)b.Lengths[0], n = (int)b.Lengths[1];
        KernelCounters.Products++;
        MatrixKernels.MatMulBias<T>(Dense.Read(a), Dense.Read(b), Dense.Read(bias), relu, Dense.Span(result), rows, k, n);
        return result;
    }

    /// <summary>Adds the row <paramref name="bias"/> to every row of the dense <paramref name="product"/> in place, then applies ReLU when asked, row by row.</summary>
    private static Tensor<T> AddRows<T>(Tensor<T> product, Tensor<T> bias, bool relu) where T : IFloatingPointIeee754<T>
    {
        int width = (int)product.Lengths[^1];
        Span<T> rows = Dense.Span(product);
        ReadOnlySpan<T> row = Dense.Read(bias);
        for (int start = 0; start < rows.Length; start += width)
        {
            Span<T> target = rows.Slice(start, width);
            TensorPrimitives.Add(target, row, target);
            if (relu) TensorPrimitives.Max(target, T.Zero, target);
        }
        return product;
    }

    /// <summary>
    /// a · bᵀ for a [.., M, K] and a matrix b [N, K], reading b transposed in place: the same numbers as
    /// <c>Ops.MatMul(a, Ops.Transpose(b))</c> without the transposed copy (tied embeddings: <c>x · Wteᵀ</c>). Generated code
    /// calls it where planning fuses a product with the transpose of a matrix.
    /// </summary>
    /// <exception cref="ArgumentException">b is not a matrix, or a's last axis is not b's.</exception>
    public static Tensor<T> MatMulTransposed<T>(Tensor<T> a, Tensor<T> b) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (b.Rank != 2 || a.Rank < 2 || a.Lengths[^1] != b.Lengths[1])
        {
            throw new ArgumentException($"MatMulTransposed: a {TensorShape.Format(a)} and b {TensorShape.Format(b)} do not multiply as a·bᵀ; expected a [.., M, K] and b [N, K].");
        }
        Span<nint> shape = stackalloc nint[a.Rank];
        a.Lengths.CopyTo(shape);
        shape[^1] = b.Lengths[0];
        var result = Dense.Result<T>(shape);
        int rows = TensorShape.Count(a.Lengths[..^1]), k = (int)b.Lengths[1], n = (int)b.Lengths[0];
        // y[rows, N] = a[rows, K] · b[N, K]ᵀ: the product MatMulLeft computes, written.
        MatrixKernels.MatMulLeft<T>(Dense.Read(a), Dense.Read(b), Dense.Span(result), rows, n, k, overwrite: true);
        return result;
    }
}
