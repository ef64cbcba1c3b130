using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace GradGen;

// Backward kernels of the axis reductions and normalisations in Ops.AxisReductions. The axis is the one given to the
// forward op (negative counts from the end of the input's shape); dY of a reduction may have the axis removed or kept.
public static partial class Adjoint
{
    /// <summary>
    /// For y = <see cref="Ops.Sum{T}(Tensor{T}, int, bool)"/>(x, axis): into (x̄) += dY broadcast along <paramref name="axis"/>.
    /// </summary>
    /// <param name="dY">∂L/∂y, x's shape reduced along the axis (kept or removed).</param>
    /// <param name="axis">The forward op's axis.</param>
    /// <param name="into">x̄, x's shape, dense; accumulated into.</param>
    /// <param name="overwrite">into = … instead of into += … (a first contribution): what adding into zeros gives.</param>
    public static void Sum<T>(Tensor<T> dY, int axis, Tensor<T> into, bool overwrite = false) where T : IFloatingPointIeee754<T>
        => SpreadAlong("Adjoint.Sum", dY, axis, into, mean: false, overwrite);

    /// <summary>
    /// For y = <see cref="Ops.Mean{T}(Tensor{T}, int, bool)"/>(x, axis): into (x̄) += dY / n broadcast along
    /// <paramref name="axis"/>, n being the axis length.
    /// </summary>
    /// <param name="dY">∂L/∂y, x's shape reduced along the axis (kept or removed).</param>
    /// <param name="axis">The forward op's axis.</param>
    /// <param name="into">x̄, x's shape, dense; accumulated into.</param>
    /// <param name="overwrite">into = … instead of into += … (a first contribution): what adding into zeros gives.</param>
    public static void Mean<T>(Tensor<T> dY, int axis, Tensor<T> into, bool overwrite = false) where T : IFloatingPointIeee754<T>
        => SpreadAlong("Adjoint.Mean", dY, axis, into, mean: true, overwrite);

    /// <summary>
    /// For y = <see cref="Ops.Max{T}(Tensor{T}, int, bool)"/>(x, axis): into (x̄) += dY at the arg-max of each lane (the first
    /// position holding the maximum when it occurs several times), nothing elsewhere.
    /// </summary>
    /// <param name="dY">∂L/∂y, x's shape reduced along the axis (kept or removed).</param>
    /// <param name="x">The forward input.</param>
    /// <param name="axis">The forward op's axis.</param>
    /// <param name="into">x̄, x's shape, dense; accumulated into.</param>
    public static void Max<T>(Tensor<T> dY, Tensor<T> x, int axis, Tensor<T> into) where T : IFloatingPointIeee754<T>
    {
        const string Kernel = "Adjoint.Max";
        ArgumentNullException.ThrowIfNull(dY);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(into);
        TensorShape.RequireSameShape(Kernel, nameof(x), x.Lengths, nameof(into), into.Lengths);
        int a = AxisLayout.Normalize(Kernel, axis, x.Lengths);
        AxisLayout.RequireReduced(Kernel, nameof(dY), dY.Lengths, nameof(x), x.Lengths, a);
        var layout = AxisLayout.Of(x.Lengths, a);
        ReadOnlySpan<T> g = Dense.Read(dY), source = Dense.Read(x);
        Span<T> target = Dense.Target(Kernel, into);
        int n = layout.Length, inner = layout.Inner;
        for (int o = 0; o < layout.Outer; o++)
        {
            for (int r = 0; r < inner; r++)
            {
                int start = o * n * inner + r, best = start;
                for (int i = 1; i < n; i++)
                {
                    int at = start + i * inner;
                    if (source[at] > source[best]) best = at;
                }
                if (n > 0) target[best] += g[o * inner + r];
            }
        }
    }

    /// <summary>
    /// For y = <see cref="Ops.Softmax{T}(Tensor{T}, int)"/>(x, axis): into (x̄) += y ⊙ (dY − Σ_axis dY ⊙ y), the lane sum
    /// broadcast along the axis.
    /// </summary>
    /// <param name="dY">∂L/∂y, y's shape.</param>
    /// <param name="y">The forward result.</param>
    /// <param name="axis">The forward op's axis.</param>
    /// <param name="into">x̄, y's shape, dense; accumulated into.</param>
    /// <param name="overwrite">into = … instead of into += … (a first contribution): what adding into zeros gives.</param>
    public static void Softmax<T>(Tensor<T> dY, Tensor<T> y, int axis, Tensor<T> into, bool overwrite = false) where T : IFloatingPointIeee754<T>
        => LanesBackward("Adjoint.Softmax", dY, y, nameof(y), axis, into, overwrite, static (g, s, output) =>
        {
            TensorPrimitives.Subtract(g, TensorPrimitives.Dot(g, s), output);
            TensorPrimitives.Multiply(output, s, output);
        });

    /// <summary>
    /// For y = <see cref="Ops.LogSoftmax{T}(Tensor{T}, int)"/>(x, axis): into (x̄) += dY − e^y ⊙ Σ_axis dY (e^y is the
    /// softmax of x), the lane sum broadcast along the axis.
    /// </summary>
    /// <param name="dY">∂L/∂y, y's shape.</param>
    /// <param name="y">The forward result.</param>
    /// <param name="axis">The forward op's axis.</param>
    /// <param name="into">x̄, y's shape, dense; accumulated into.</param>
    /// <param name="overwrite">into = … instead of into += … (a first contribution): what adding into zeros gives.</param>
    public static void LogSoftmax<T>(Tensor<T> dY, Tensor<T> y, int axis, Tensor<T> into, bool overwrite = false) where T : IFloatingPointIeee754<T>
        => LanesBackward("Adjoint.LogSoftmax", dY, y, nameof(y), axis, into, overwrite, static (g, logY, output) =>
        {
            TensorPrimitives.Exp(logY, output);
            TensorPrimitives.MultiplyAdd(output, -TensorPrimitives.Sum(g), g, output);
        });

    private static void SpreadAlong<T>(string kernel, Tensor<T> dY, int axis, Tensor<T> into, bool mean, bool overwrite) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(dY);
        ArgumentNullException.ThrowIfNull(into);
        int a = AxisLayout.Normalize(kernel, axis, into.Lengths);
        AxisLayout.RequireReduced(kernel, nameof(dY), dY.Lengths, nameof(into), into.Lengths, a);
        var layout = AxisLayout.Of(into.Lengths, a);
        ReadOnlySpan<T> g = Dense.Read(dY);
        Span<T> target = Dense.Target(kernel, into);
        int n = layout.Length, inner = layout.Inner;
        if (n == 0) return;
        T scale = mean ? T.One / T.CreateChecked(n) : T.One;
        for (int o = 0; o < layout.Outer; o++)
        {
            ReadOnlySpan<T> row = g.Slice(o * inner, inner);
            for (int i = 0; i < n; i++)
            {
                Span<T> lane = target.Slice((o * n + i) * inner, inner);
                if (overwrite) lane.Clear(); // written: added into zeros, the lane cleared while in cache
                if (inner == 1) lane[0] += row[0] * scale;
                else TensorPrimitives.MultiplyAdd(row, scale, lane, lane);
            }
        }
    }

    private static void LanesBackward<T>(string kernel, Tensor<T> dY, Tensor<T> operand, string operandName, int axis, Tensor<T> into, bool overwrite, Lanes.Kernel<T> body)
        where T : IFloatingPointIeee754<T>
    {
        ValidateElementwise(kernel, dY, operand, operandName, into);
        int a = AxisLayout.Normalize(kernel, axis, dY.Lengths);
        Lanes.Map(AxisLayout.Of(dY.Lengths, a), Dense.Read(dY), Dense.Read(operand), Dense.Target(kernel, into), overwrite ? StoreMode.AddToZero : StoreMode.Add, body);
    }
}
