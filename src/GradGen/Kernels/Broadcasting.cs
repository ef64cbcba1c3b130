using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace GradGen;

/// <summary>An element-wise binary operation in scalar and vectorised (span) forms.</summary>
internal interface IBinaryOp<T> where T : IFloatingPointIeee754<T>
{
    /// <summary>x ∘ y.</summary>
    static abstract T Apply(T x, T y);

    /// <summary>destination[i] = x[i] ∘ y[i].</summary>
    static abstract void Apply(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination);

    /// <summary>destination[i] = x[i] ∘ y.</summary>
    static abstract void Apply(ReadOnlySpan<T> x, T y, Span<T> destination);

    /// <summary>destination[i] = x ∘ y[i].</summary>
    static abstract void Apply(T x, ReadOnlySpan<T> y, Span<T> destination);
}

/// <summary>Addition.</summary>
internal readonly struct AddOp<T> : IBinaryOp<T> where T : IFloatingPointIeee754<T>
{
    public static T Apply(T x, T y) => x + y;
    public static void Apply(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination) => TensorPrimitives.Add(x, y, destination);
    public static void Apply(ReadOnlySpan<T> x, T y, Span<T> destination) => TensorPrimitives.Add(x, y, destination);
    public static void Apply(T x, ReadOnlySpan<T> y, Span<T> destination) => TensorPrimitives.Add(y, x, destination);
}

/// <summary>Subtraction.</summary>
internal readonly struct SubtractOp<T> : IBinaryOp<T> where T : IFloatingPointIeee754<T>
{
    public static T Apply(T x, T y) => x - y;
    public static void Apply(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination) => TensorPrimitives.Subtract(x, y, destination);
    public static void Apply(ReadOnlySpan<T> x, T y, Span<T> destination) => TensorPrimitives.Subtract(x, y, destination);
    public static void Apply(T x, ReadOnlySpan<T> y, Span<T> destination) => TensorPrimitives.Subtract(x, y, destination);
}

/// <summary>Multiplication (Hadamard product).</summary>
internal readonly struct MultiplyOp<T> : IBinaryOp<T> where T : IFloatingPointIeee754<T>
{
    public static T Apply(T x, T y) => x * y;
    public static void Apply(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination) => TensorPrimitives.Multiply(x, y, destination);
    public static void Apply(ReadOnlySpan<T> x, T y, Span<T> destination) => TensorPrimitives.Multiply(x, y, destination);
    public static void Apply(T x, ReadOnlySpan<T> y, Span<T> destination) => TensorPrimitives.Multiply(y, x, destination);
}

/// <summary>Division.</summary>
internal readonly struct DivideOp<T> : IBinaryOp<T> where T : IFloatingPointIeee754<T>
{
    public static T Apply(T x, T y) => x / y;
    public static void Apply(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination) => TensorPrimitives.Divide(x, y, destination);
    public static void Apply(ReadOnlySpan<T> x, T y, Span<T> destination) => TensorPrimitives.Divide(x, y, destination);
    public static void Apply(T x, ReadOnlySpan<T> y, Span<T> destination) => TensorPrimitives.Divide(x, y, destination);
}

/// <summary>
/// Broadcast element-wise kernels on flat row-major spans: the forward binary operation, and the reduction
/// ("sum over the broadcast dimensions") that every adjoint of a broadcast operand needs.
/// </summary>
internal static class Broadcasting
{
    /// <summary>
    /// destination = a ∘ b with numpy broadcasting; <paramref name="shape"/> is the broadcast of both operand shapes
    /// (validated by the caller). <paramref name="destination"/> may alias an operand that has the full shape.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Binary<T, TOp>(ReadOnlySpan<T> a, ReadOnlySpan<nint> aShape, ReadOnlySpan<T> b, ReadOnlySpan<nint> bShape, Span<T> destination, ReadOnlySpan<nint> shape)
        where T : IFloatingPointIeee754<T>
        where TOp : IBinaryOp<T>
    {
        bool aFull = a.Length == destination.Length;
        bool bFull = b.Length == destination.Length;
        if (typeof(TOp) == typeof(AddOp<T>) && RowKernels.AddApplies<T>(destination.Length))
        {
            int rowBias = aFull && bFull ? 0
                : aFull && b.Length > 0 && TensorShape.IsTrailingBlock(shape, bShape) ? b.Length
                : bFull && a.Length > 0 && TensorShape.IsTrailingBlock(shape, aShape) ? a.Length
                : -1;
            if (rowBias >= 0)
            {
                RowKernels.Add(a, b, destination, rowBias, SimdWidth.Rows);
                return;
            }
        }
        if (aFull && bFull) // both already have the result's layout (they may differ only by leading 1s)
        {
            TOp.Apply(a, b, destination);
            return;
        }
        if (aFull && b.Length == 1)
        {
            TOp.Apply(a, b[0], destination);
            return;
        }
        if (bFull && a.Length == 1)
        {
            TOp.Apply(a[0], b, destination);
            return;
        }
        if (aFull && b.Length > 0 && TensorShape.IsTrailingBlock(shape, bShape))
        {
            // b repeats every b.Length elements (a bias over rows): no plan, no allocation.
            for (int offset = 0; offset < destination.Length; offset += b.Length)
            {
                TOp.Apply(a.Slice(offset, b.Length), b, destination.Slice(offset, b.Length));
            }
            return;
        }
        if (bFull && a.Length > 0 && TensorShape.IsTrailingBlock(shape, aShape))
        {
            for (int offset = 0; offset < destination.Length; offset += a.Length)
            {
                TOp.Apply(a, b.Slice(offset, a.Length), destination.Slice(offset, a.Length));
            }
            return;
        }

        var plan = BroadcastPlan.Create(shape, aShape, bShape);
        int n = plan.RowLength;
        bool aRow = plan.InnerStride(1) == 1, bRow = plan.InnerStride(2) == 1;
        Span<int> offsets = stackalloc int[3];
        for (int row = 0; row < plan.RowCount; row++)
        {
            plan.RowOffsets(row, offsets);
            Span<T> target = destination.Slice(offsets[0], n);
            int oa = offsets[1], ob = offsets[2];
            if (aRow && bRow) TOp.Apply(a.Slice(oa, n), b.Slice(ob, n), target);
            else if (aRow) TOp.Apply(a.Slice(oa, n), b[ob], target);
            else if (bRow) TOp.Apply(a[oa], b.Slice(ob, n), target);
            else target.Fill(TOp.Apply(a[oa], b[ob]));
        }
    }

    /// <summary>
    /// into = full · scale + 0, in one pass: what a multiply-add into zeros gives — <see cref="AccumulateReduced"/> when
    /// nothing is reduced, the Hadamard adjoint with a one-element factor (TensorPrimitives.MultiplyAdd multiplies, then
    /// adds — unfused — so a −0 product is +0 there, and here).
    /// </summary>
    public static void WriteScaled<T>(ReadOnlySpan<T> full, T scale, Span<T> into)
        where T : IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            var factor = new Vector<T>(scale);
            ref T source = ref MemoryMarshal.GetReference(full);
            ref T target = ref MemoryMarshal.GetReference(into);
            for (; i <= full.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                (Vector.LoadUnsafe(ref source, (nuint)i) * factor + Vector<T>.Zero).StoreUnsafe(ref target, (nuint)i);
            }
        }
        for (; i < full.Length; i++) into[i] = full[i] * scale + T.Zero;
    }

    /// <summary>
    /// into += scale · reduce(full): <paramref name="full"/> has shape <paramref name="fullShape"/>, and
    /// <paramref name="intoShape"/> broadcasts to it (validated by the caller); the dimensions along which
    /// <c>into</c> would be stretched are summed away.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AccumulateReduced<T>(ReadOnlySpan<T> full, ReadOnlySpan<nint> fullShape, Span<T> into, ReadOnlySpan<nint> intoShape, T scale)
        where T : IFloatingPointIeee754<T>
    {
        bool unit = scale == T.One;
        if (into.Length == full.Length)
        {
            // Same element count and broadcast-compatible ⇒ same layout (only leading 1s may differ).
            if (unit) TensorPrimitives.Add(into, full, into);
            else TensorPrimitives.MultiplyAdd(full, scale, into, into);
            return;
        }
        if (into.Length == 1)
        {
            into[0] += scale * TensorPrimitives.Sum(full);
            return;
        }
        if (into.Length > 0 && TensorShape.IsTrailingBlock(fullShape, intoShape))
        {
            // into repeats every into.Length elements of full (a bias over rows): sum the blocks, no plan, no allocation.
            for (int offset = 0; offset < full.Length; offset += into.Length)
            {
                if (unit) TensorPrimitives.Add(into, full.Slice(offset, into.Length), into);
                else TensorPrimitives.MultiplyAdd(full.Slice(offset, into.Length), scale, into, into);
            }
            return;
        }

        var plan = BroadcastPlan.Create(fullShape, intoShape);
        int n = plan.RowLength;
        bool intoRow = plan.InnerStride(1) == 1;
        Span<int> offsets = stackalloc int[2];
        for (int row = 0; row < plan.RowCount; row++)
        {
            plan.RowOffsets(row, offsets);
            ReadOnlySpan<T> source = full.Slice(offsets[0], n);
            if (intoRow)
            {
                Span<T> target = into.Slice(offsets[1], n);
                if (unit) TensorPrimitives.Add(target, source, target);
                else TensorPrimitives.MultiplyAdd(source, scale, target, target);
            }
            else
            {
                into[offsets[1]] += scale * TensorPrimitives.Sum(source);
            }
        }
    }

    /// <summary>Σ full ⊙ x, with <paramref name="x"/> broadcast to <paramref name="fullShape"/> (validated by the caller).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static T Dot<T>(ReadOnlySpan<T> full, ReadOnlySpan<nint> fullShape, ReadOnlySpan<T> x, ReadOnlySpan<nint> xShape)
        where T : IFloatingPointIeee754<T>
    {
        if (x.Length == full.Length) return TensorPrimitives.Dot(full, x);
        if (x.Length == 1) return x[0] * TensorPrimitives.Sum(full);

        var plan = BroadcastPlan.Create(fullShape, xShape);
        int n = plan.RowLength;
        bool xRow = plan.InnerStride(1) == 1;
        Span<int> offsets = stackalloc int[2];
        T total = T.Zero;
        for (int row = 0; row < plan.RowCount; row++)
        {
            plan.RowOffsets(row, offsets);
            ReadOnlySpan<T> source = full.Slice(offsets[0], n);
            total += xRow ? TensorPrimitives.Dot(source, x.Slice(offsets[1], n)) : x[offsets[1]] * TensorPrimitives.Sum(source);
        }
        return total;
    }
}
