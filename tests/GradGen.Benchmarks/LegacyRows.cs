using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace GradGen.Benchmarks;

/// <summary>
/// The generic paths double took before issue 14's double row kernels, kept verbatim (from GeluKernel, Ops.LayerNorm,
/// Adjoint.LayerNorm, Ops.CausalSoftmax, Adjoint.CausalSoftmax, Adjoint.SoftmaxCrossEntropyWithLoss, MatrixKernels),
/// as the "before" of <see cref="InterleavedRows"/>. They still run for element types other than float and double.
/// </summary>
internal static class LegacyRows
{
    public static void Gelu<T>(ReadOnlySpan<T> x, Span<T> y) where T : IFloatingPointIeee754<T>
    {
        T half = T.CreateChecked(0.5), k = T.CreateChecked(Ops.GeluScale), c = T.CreateChecked(Ops.GeluCubic);
        for (int i = 0; i < x.Length; i++)
        {
            T v = x[i];
            y[i] = half * v * (T.One + T.Tanh(k * v * (T.One + c * v * v)));
        }
    }

    public static void GeluBackward<T>(ReadOnlySpan<T> dY, ReadOnlySpan<T> x, Span<T> into) where T : IFloatingPointIeee754<T>
    {
        T half = T.CreateChecked(0.5), k = T.CreateChecked(Ops.GeluScale), c = T.CreateChecked(Ops.GeluCubic);
        T c3 = T.CreateChecked(3 * Ops.GeluCubic);
        for (int i = 0; i < x.Length; i++)
        {
            T v = x[i];
            T t = T.Tanh(k * v * (T.One + c * v * v));
            T derivative = half * (T.One + t) + half * v * (T.One - t * t) * k * (T.One + c3 * v * v);
            into[i] += dY[i] * derivative;
        }
    }

    public static void LayerNorm<T>(ReadOnlySpan<T> source, ReadOnlySpan<T> w, ReadOnlySpan<T> b, T eps, Span<T> result, int c) where T : IFloatingPointIeee754<T>
    {
        for (int offset = 0; c > 0 && offset < source.Length; offset += c)
        {
            Span<T> row = result.Slice(offset, c);
            Ops.NormalizeRow(source.Slice(offset, c), eps, row);
            TensorPrimitives.MultiplyAdd(row, w, b, row);
        }
    }

    public static void LayerNormBackward<T>(ReadOnlySpan<T> g, ReadOnlySpan<T> source, ReadOnlySpan<T> w, T eps, Span<T> dx, Span<T> dw, Span<T> db, int c) where T : IFloatingPointIeee754<T>
    {
        T count = T.CreateChecked(c);
        T[] scratch = new T[2 * c];
        Span<T> normalized = scratch.AsSpan(0, c), scaled = scratch.AsSpan(c, c);
        for (int offset = 0; offset < source.Length; offset += c)
        {
            ReadOnlySpan<T> gRow = g.Slice(offset, c);
            T rstd = Ops.NormalizeRow(source.Slice(offset, c), eps, normalized);
            TensorPrimitives.Add(db, gRow, db);
            TensorPrimitives.MultiplyAdd(gRow, normalized, dw, dw);
            TensorPrimitives.Multiply(gRow, w, scaled);
            T meanG = TensorPrimitives.Sum<T>(scaled) / count;
            T meanGx = TensorPrimitives.Dot<T>(scaled, normalized) / count;
            TensorPrimitives.Subtract<T>(scaled, meanG, scaled);
            TensorPrimitives.MultiplyAdd<T>(normalized, -meanGx, scaled, scaled);
            Span<T> row = dx.Slice(offset, c);
            TensorPrimitives.MultiplyAdd<T>(scaled, rstd, row, row);
        }
    }

    public static void CausalSoftmax<T>(ReadOnlySpan<T> s, T scale, Span<T> result, int t) where T : IFloatingPointIeee754<T>
    {
        for (int offset = 0; t > 0 && offset < s.Length; offset += t * t)
        {
            for (int i = 0; i < t; i++)
            {
                Span<T> row = result.Slice(offset + i * t, i + 1);
                TensorPrimitives.Multiply(s.Slice(offset + i * t, i + 1), scale, row);
                Ops.SoftmaxRow<T>(row, row);
                result.Slice(offset + i * t + i + 1, t - i - 1).Clear();
            }
        }
    }

    public static void CausalSoftmaxBackward<T>(ReadOnlySpan<T> g, ReadOnlySpan<T> s, T scale, Span<T> target, int t) where T : IFloatingPointIeee754<T>
    {
        T[] scratch = new T[t];
        for (int offset = 0; t > 0 && offset < g.Length; offset += t * t)
        {
            for (int i = 0; i < t; i++)
            {
                int at = offset + i * t, visible = i + 1;
                ReadOnlySpan<T> gRow = g.Slice(at, visible), yRow = s.Slice(at, visible);
                Span<T> term = scratch.AsSpan(0, visible), row = target.Slice(at, visible);
                TensorPrimitives.Subtract(gRow, TensorPrimitives.Dot(gRow, yRow), term);
                TensorPrimitives.Multiply(term, yRow, term);
                TensorPrimitives.MultiplyAdd(term, scale, row, row);
            }
        }
    }

    public static T CrossEntropyWithLoss<T>(ReadOnlySpan<T> z, int[] targets, int rows, int classes, T scale, Span<T> target) where T : IFloatingPointIeee754<T>
    {
        T total = T.Zero;
        T[] exponentials = new T[classes];
        Span<T> e = exponentials;
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

    public static void Transpose<T>(ReadOnlySpan<T> source, Span<T> destination, int m, int n)
    {
        const int Tile = 32;
        for (int i0 = 0; i0 < m; i0 += Tile)
        {
            int i1 = Math.Min(m, i0 + Tile);
            for (int j0 = 0; j0 < n; j0 += Tile)
            {
                int j1 = Math.Min(n, j0 + Tile);
                for (int i = i0; i < i1; i++)
                {
                    for (int j = j0; j < j1; j++) destination[j * m + i] = source[i * n + j];
                }
            }
        }
    }
}
