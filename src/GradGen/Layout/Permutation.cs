using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace GradGen;

/// <summary>Moves elements between a tensor and its axis permutation (<see cref="Ops.Permute{T}(Tensor{T}, int[])"/> and its gradient).</summary>
internal static class Permutation
{
    /// <summary>
    /// Walks the permuted tensor (shape[d] = sourceShape[order[d]]) in row-major order. Forward
    /// (<paramref name="accumulate"/> false): permuted[i] = source[offset(i)], reading <paramref name="data"/> as the source
    /// and writing <paramref name="other"/> as the permuted tensor. Backward (true): source[offset(i)] += permuted[i],
    /// reading <paramref name="data"/> as the permuted gradient and accumulating into <paramref name="other"/>, the source's —
    /// or, with <paramref name="scatter"/>, writing it there (source[offset(i)] = permuted[i]: a gradient's first contribution).
    /// </summary>
    public static void Walk<T>(ReadOnlySpan<T> data, ReadOnlySpan<nint> sourceShape, int[] order, Span<T> other, bool accumulate, bool scatter = false)
        where T : IFloatingPointIeee754<T>
    {
        int rank = order.Length;
        int count = TensorShape.Count(sourceShape);
        if (count == 0) return;
        if (SwapsLastTwo(order))
        {
            // A batch of matrix transposes (e.g. attention's kᵀ, [B, NH, T, hs] → [B, NH, hs, T]): blocks through registers
            // instead of one strided element at a time.
            int m = (int)sourceShape[rank - 2], n = (int)sourceShape[rank - 1], size = m * n;
            for (int start = 0; start < count; start += size)
            {
                ReadOnlySpan<T> from = data.Slice(start, size);
                Span<T> to = other.Slice(start, size);
                if (!accumulate) MatrixKernels.Transpose(from, to, m, n);     // permuted [n, m] = source [m, n]ᵀ
                else if (scatter) MatrixKernels.Transpose(from, to, n, m);    // source [m, n] = permuted [n, m]ᵀ
                else MatrixKernels.TransposeAccumulate(from, to, n, m);       // source [m, n] += permuted [n, m]ᵀ
            }
            return;
        }
        Span<int> sourceStrides = stackalloc int[rank];
        for (int d = rank - 1, stride = 1; d >= 0; d--)
        {
            sourceStrides[d] = stride;
            stride *= (int)sourceShape[d];
        }
        Span<int> lengths = stackalloc int[rank];
        Span<int> strides = stackalloc int[rank];
        for (int d = 0; d < rank; d++)
        {
            lengths[d] = (int)sourceShape[order[d]];
            strides[d] = sourceStrides[order[d]];
        }
        Span<int> index = stackalloc int[rank];
        int last = lengths[rank - 1], lastStride = strides[rank - 1];
        int offset = 0; // source offset of index (with the last coordinate at 0)
        for (int i = 0; i < count; i += last)
        {
            if (lastStride == 1)
            {
                // The last axis stays last (e.g. attention heads [B, T, NH, hs] ↔ [B, NH, T, hs]): contiguous runs.
                if (scatter)
                {
                    data.Slice(i, last).CopyTo(other.Slice(offset, last));
                }
                else if (accumulate)
                {
                    Span<T> run = other.Slice(offset, last);
                    TensorPrimitives.Add(run, data.Slice(i, last), run);
                }
                else
                {
                    data.Slice(offset, last).CopyTo(other.Slice(i, last));
                }
            }
            else if (scatter)
            {
                for (int j = 0; j < last; j++) other[offset + j * lastStride] = data[i + j];
            }
            else if (accumulate)
            {
                for (int j = 0; j < last; j++) other[offset + j * lastStride] += data[i + j];
            }
            else
            {
                for (int j = 0; j < last; j++) other[i + j] = data[offset + j * lastStride];
            }
            for (int d = rank - 2; d >= 0; d--)
            {
                offset += strides[d];
                if (++index[d] < lengths[d]) break;
                offset -= strides[d] * lengths[d];
                index[d] = 0;
            }
        }
    }

    /// <summary>Whether <paramref name="order"/> exchanges the last two axes and keeps the others in place.</summary>
    private static bool SwapsLastTwo(int[] order)
    {
        int rank = order.Length;
        if (rank < 2 || order[rank - 2] != rank - 1 || order[rank - 1] != rank - 2) return false;
        for (int d = 0; d < rank - 2; d++)
        {
            if (order[d] != d) return false;
        }
        return true;
    }
}
