using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace GradGen;

// Reductions and normalisations along one axis. An axis may be negative (−1 is the last axis). A reduction removes the
// axis, or keeps it with length 1 when keepDims is true (so the result broadcasts against the input); reducing a rank-1
// tensor gives a [1] tensor either way (use Sum(x)/Mean(x) for a scalar).
public static partial class Ops
{
    /// <summary>
    /// The sum along <paramref name="axis"/>: y[…, ·, …] = Σ_i x[…, i, …]. The result has x's shape with that axis removed,
    /// or kept with length 1 when <paramref name="keepDims"/> is true (e.g. [B, T, C] summed along −1 is [B, T] or [B, T, 1]);
    /// a rank-1 x gives a [1] tensor.
    /// </summary>
    /// <param name="x">The input, rank ≥ 1.</param>
    /// <param name="axis">The axis to reduce; negative counts from the end.</param>
    /// <param name="keepDims">Keep the reduced axis with length 1.</param>
    /// <exception cref="ArgumentException">The axis is out of range.</exception>
    public static Tensor<T> Sum<T>(Tensor<T> x, int axis, bool keepDims = false) where T : IFloatingPointIeee754<T>
        => SumAlong(nameof(Sum), x, axis, keepDims, T.One);

    /// <summary>
    /// The mean along <paramref name="axis"/>: y = (1/n) Σ_i x[…, i, …] with n the axis length (NaN when n is 0). Shapes as
    /// for <see cref="Sum{T}(Tensor{T}, int, bool)"/>.
    /// </summary>
    /// <param name="x">The input, rank ≥ 1.</param>
    /// <param name="axis">The axis to reduce; negative counts from the end.</param>
    /// <param name="keepDims">Keep the reduced axis with length 1.</param>
    /// <exception cref="ArgumentException">The axis is out of range.</exception>
    public static Tensor<T> Mean<T>(Tensor<T> x, int axis, bool keepDims = false) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(x);
        int a = AxisLayout.Normalize(nameof(Mean), axis, x.Lengths);
        return SumAlong(nameof(Mean), x, axis, keepDims, T.One / T.CreateChecked(x.Lengths[a]));
    }

    /// <summary>
    /// The maximum along <paramref name="axis"/>: y = maxᵢ x[…, i, …]. Shapes as for <see cref="Sum{T}(Tensor{T}, int, bool)"/>.
    /// Its gradient goes to the first position of the maximum (see <see cref="Adjoint.Max{T}(Tensor{T}, Tensor{T}, int, Tensor{T})"/>).
    /// </summary>
    /// <param name="x">The input, rank ≥ 1.</param>
    /// <param name="axis">The axis to reduce; negative counts from the end.</param>
    /// <param name="keepDims">Keep the reduced axis with length 1.</param>
    /// <exception cref="ArgumentException">The axis is out of range or has length 0.</exception>
    public static Tensor<T> Max<T>(Tensor<T> x, int axis, bool keepDims = false) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(x);
        int a = AxisLayout.Normalize(nameof(Max), axis, x.Lengths);
        var layout = AxisLayout.Of(x.Lengths, a);
        if (layout.Length == 0)
        {
            throw new ArgumentException($"Max: axis {axis} of {TensorShape.Format(x)} is empty; the maximum of nothing is undefined.", nameof(x));
        }
        nint[] shape = AxisLayout.Reduced(x.Lengths, a, keepDims);
        var result = Dense.Result<T>(shape);
        Span<T> output = Dense.Span(result);
        ReadOnlySpan<T> source = Dense.Read(x);
        int n = layout.Length, inner = layout.Inner;
        for (int o = 0; o < layout.Outer; o++)
        {
            if (inner == 1)
            {
                output[o] = TensorPrimitives.Max(source.Slice(o * n, n));
                continue;
            }
            Span<T> row = output.Slice(o * inner, inner);
            source.Slice(o * n * inner, inner).CopyTo(row);
            for (int i = 1; i < n; i++) TensorPrimitives.Max(row, source.Slice((o * n + i) * inner, inner), row);
        }
        return result;
    }

    /// <summary>
    /// Softmax along <paramref name="axis"/>: y = e^(x − max) / Σ e^(x − max) over each lane of that axis, non-negative and
    /// summing to 1 along it; the shape of x. <see cref="Softmax{T}(Tensor{T})"/> is the case axis = −1.
    /// </summary>
    /// <param name="x">The input, rank ≥ 1.</param>
    /// <param name="axis">The axis to normalise over; negative counts from the end.</param>
    /// <exception cref="ArgumentException">The axis is out of range.</exception>
    public static Tensor<T> Softmax<T>(Tensor<T> x, int axis) where T : IFloatingPointIeee754<T>
        => AlongAxis(nameof(Softmax), x, axis, static (lane, _, y) => SoftmaxRow(lane, y));

    /// <summary>
    /// Log-softmax along <paramref name="axis"/>: y = x − log Σ e^x over each lane of that axis (computed with the lane
    /// maximum subtracted, so it stays finite for large inputs); the shape of x.
    /// </summary>
    /// <param name="x">The input, rank ≥ 1.</param>
    /// <param name="axis">The axis to normalise over; negative counts from the end.</param>
    /// <exception cref="ArgumentException">The axis is out of range.</exception>
    public static Tensor<T> LogSoftmax<T>(Tensor<T> x, int axis) where T : IFloatingPointIeee754<T>
        => AlongAxis(nameof(LogSoftmax), x, axis, static (lane, _, y) => TensorPrimitives.Subtract(lane, LogSumExp(lane, y), y));

    private static Tensor<T> SumAlong<T>(string op, Tensor<T> x, int axis, bool keepDims, T scale) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(x);
        int a = AxisLayout.Normalize(op, axis, x.Lengths);
        var layout = AxisLayout.Of(x.Lengths, a);
        nint[] shape = AxisLayout.Reduced(x.Lengths, a, keepDims);
        var result = Dense.Zeros<T>(shape);
        Span<T> output = Dense.Span(result);
        ReadOnlySpan<T> source = Dense.Read(x);
        int n = layout.Length, inner = layout.Inner;
        for (int o = 0; o < layout.Outer; o++)
        {
            if (inner == 1)
            {
                output[o] = TensorPrimitives.Sum(source.Slice(o * n, n)) * scale;
                continue;
            }
            Span<T> row = output.Slice(o * inner, inner);
            for (int i = 0; i < n; i++) TensorPrimitives.Add(row, source.Slice((o * n + i) * inner, inner), row);
            TensorPrimitives.Multiply(row, scale, row);
        }
        return result;
    }

    private static Tensor<T> AlongAxis<T>(string op, Tensor<T> x, int axis, Lanes.Kernel<T> kernel) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(x);
        int a = AxisLayout.Normalize(op, axis, x.Lengths);
        var result = Dense.Result<T>(x.Lengths);
        Span<T> output = Dense.Span(result);
        Lanes.Map(AxisLayout.Of(x.Lengths, a), Dense.Read(x), default, output, StoreMode.Copy, kernel);
        return result;
    }
}
