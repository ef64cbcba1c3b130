using System;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace GradGen;

// GELU's kernels (tanh approximation): forward, backward added or written, and GELU of a biased row with its backward
// (x̄ and the bias's row sum) — one algorithm each at every width, as the rest of VectorRows.
internal static unsafe partial class VectorRows<T, TV, TS>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
    where TV : struct
    where TS : struct, ISimd<T, TV>
{
    // ── GELU (tanh approximation) ──────────────────────────────────────────────────────────────
    // ½ (1 + tanh u) = σ(2u) = 1 / (1 + e^−2u), so one exponential per element gives both terms:
    // gelu(x) = x σ, gelu′(x) = σ + 2 x σ (1 − σ) √(2/π) (1 + 3 · 0.044715 x²) (as 1 − tanh² u = 4 σ (1 − σ)),
    // with σ (1 − σ) = e^−2u σ², which keeps its relative precision where σ is close to 1.
    private const float KF = 0.79788456080286535588f;            // √(2/π)
    private const float KCF = 0.79788456080286535588f * 0.044715f;
    private const double KD = 0.79788456080286535588;
    private const double KCD = 0.79788456080286535588 * 0.044715;

    /// <summary>σ = σ(2u) = ½ (1 + tanh u) for u = √(2/π) (x + 0.044715 x³), and e = e^−2u (so 1 − σ = e σ).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Sigma(TV x, out TV e)
    {
        TV minusTwoU = TS.Multiply(x, TS.MultiplyAdd(TS.Multiply(x, x), TS.Splat(IsFloat ? -2 * KCF : -2 * KCD), TS.Splat(IsFloat ? -2 * KF : -2 * KD)));
        e = Exp(minusTwoU);
        TV one = TS.Splat(1);
        TV s = TS.Divide(one, TS.Add(one, e));
        // Past the exponential's clamp σ stays ≈ 1/e^88 (float) or 1/e^709 rather than ~0, which the cubic slope of
        // gelu′ would scale back up (x = −10⁶: 10⁻²¹ in float); σ is 0 to working precision there.
        return TS.Select(TS.GreaterThan(minusTwoU, TS.Splat(IsFloat ? 88.0 : 708.0)), TS.Splat(0), s);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV GeluValue(TV x) => TS.Multiply(x, Sigma(x, out _));

    /// <summary>gelu′(x) = σ + x σ (1 − σ) · 2√(2/π) (1 + 3 · 0.044715 x²), with σ (1 − σ) = e σ².</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV GeluDerivative(TV x)
    {
        TV s = Sigma(x, out TV e);
        TV slope = TS.MultiplyAdd(TS.Multiply(x, x), TS.Splat(IsFloat ? 6 * KCF : 6 * KCD), TS.Splat(IsFloat ? 2 * KF : 2 * KD));
        return TS.MultiplyAdd(TS.Multiply(x, slope), TS.Multiply(e, TS.Multiply(s, s)), s);
    }

    /// <summary>y = gelu(x) over n elements (y may be x); the tail goes through a zero-padded vector.</summary>
    public static void Gelu(T* x, T* y, T* unused, int n)
    {
        int i = 0;
        for (; i <= n - W; i += W) TS.Store(GeluValue(TS.Load(x + i)), y + i);
        if (i == n) return;
        int rest = n - i;
        T* tail = stackalloc T[W];
        new Span<T>(tail, W).Clear();
        new ReadOnlySpan<T>(x + i, rest).CopyTo(new Span<T>(tail, W));
        TS.Store(GeluValue(TS.Load(tail)), tail);
        new ReadOnlySpan<T>(tail, rest).CopyTo(new Span<T>(y + i, rest));
    }

    /// <summary>into += dY ⊙ gelu′(x) over n elements.</summary>
    public static void GeluBackward(T* dY, T* x, T* into, int n)
    {
        int i = 0;
        for (; i <= n - W; i += W)
        {
            TS.Store(TS.MultiplyAdd(TS.Load(dY + i), GeluDerivative(TS.Load(x + i)), TS.Load(into + i)), into + i);
        }
        if (i == n) return;
        int rest = n - i, w = W;
        T* tail = stackalloc T[3 * w];
        new Span<T>(tail, 3 * w).Clear();
        new ReadOnlySpan<T>(dY + i, rest).CopyTo(new Span<T>(tail, w));
        new ReadOnlySpan<T>(x + i, rest).CopyTo(new Span<T>(tail + w, w));
        new ReadOnlySpan<T>(into + i, rest).CopyTo(new Span<T>(tail + 2 * w, w));
        TS.Store(TS.MultiplyAdd(TS.Load(tail), GeluDerivative(TS.Load(tail + w)), TS.Load(tail + 2 * w)), tail + 2 * w);
        new ReadOnlySpan<T>(tail + 2 * w, rest).CopyTo(new Span<T>(into + i, rest));
    }

    /// <summary>
    /// into = dY ⊙ gelu′(x) over n elements (a gradient's first contribution): the same lanes as
    /// <see cref="GeluBackward"/> into zeros (dY · gelu′ + 0, so a −0 product is +0 there too), without reading into.
    /// </summary>
    public static void GeluBackwardWrite(T* dY, T* x, T* into, int n)
    {
        int i = 0;
        TV zero = TS.Splat(0);
        for (; i <= n - W; i += W) TS.Store(TS.MultiplyAdd(TS.Load(dY + i), GeluDerivative(TS.Load(x + i)), zero), into + i);
        if (i == n) return;
        int rest = n - i, w = W;
        T* tail = stackalloc T[2 * w];
        new Span<T>(tail, 2 * w).Clear();
        new ReadOnlySpan<T>(dY + i, rest).CopyTo(new Span<T>(tail, w));
        new ReadOnlySpan<T>(x + i, rest).CopyTo(new Span<T>(tail + w, w));
        TS.Store(TS.MultiplyAdd(TS.Load(tail), GeluDerivative(TS.Load(tail + w)), zero), tail);
        new ReadOnlySpan<T>(tail, rest).CopyTo(new Span<T>(into + i, rest));
    }

    // ── GELU of a biased row: gelu(x + b), b one row repeated ────────────────────────────────────

    /// <summary>
    /// Rows [start, end): C = gelu(A + B), B one row (Length elements) repeated: the pre-activation A + B is rounded
    /// once, exactly as an addition would store it, then <see cref="GeluValue"/> — bit for bit gelu(add(A, B)) at this width.
    /// </summary>
    public static void BiasGeluRows(RowArgs<T>* args, int start, int end)
    {
        int n = args->Length;
        for (int r = start; r < end; r++) BiasGeluRow(args->A + (long)r * n, args->B, args->C + (long)r * n, n);
    }

    /// <summary>One row of <see cref="BiasGeluRows"/>: y = gelu(x + bias) over n elements; the tail through zero-padded vectors.</summary>
    private static void BiasGeluRow(T* x, T* bias, T* y, int n)
    {
        int j = 0;
        for (; j <= n - W; j += W) TS.Store(GeluValue(TS.Add(TS.Load(x + j), TS.Load(bias + j))), y + j);
        if (j == n) return;
        int rest = n - j, w = W;
        T* tail = stackalloc T[2 * w];
        new Span<T>(tail, 2 * w).Clear();
        new ReadOnlySpan<T>(x + j, rest).CopyTo(new Span<T>(tail, w));
        new ReadOnlySpan<T>(bias + j, rest).CopyTo(new Span<T>(tail + w, w));
        TS.Store(GeluValue(TS.Add(TS.Load(tail), TS.Load(tail + w))), tail);
        new ReadOnlySpan<T>(tail, rest).CopyTo(new Span<T>(y + j, rest));
    }

    /// <summary>
    /// The backward of <see cref="BiasGeluRows"/> over the column vectors [start, end) of all Rows rows (Length columns;
    /// vector k covers columns [kW, kW + W)): with ĝ = A ⊙ gelu′(B + C) (A = dY, B = x, C the bias row; ĝ = dY · gelu′ + 0
    /// as <see cref="GeluBackwardWrite"/> rounds it), D (x̄) += ĝ and E (b̄) += ĝ row after row — each skipped when null.
    /// Split by columns, so each bias element is summed over the rows in row order on one thread: the same additions, in
    /// the same order, as the unfused GELU adjoint followed by the bias's row sum.
    /// </summary>
    public static void BiasGeluBackwardColumns(RowArgs<T>* args, int start, int end) => BiasGeluBackwardCore(args, start, end, write: false);

    /// <summary><see cref="BiasGeluBackwardColumns"/> with D (x̄) written instead of added to (a first contribution).</summary>
    public static void BiasGeluBackwardWriteColumns(RowArgs<T>* args, int start, int end) => BiasGeluBackwardCore(args, start, end, write: true);

    private static void BiasGeluBackwardCore(RowArgs<T>* args, int start, int end, bool write)
    {
        int n = args->Length, rows = args->Rows, w = W;
        (int first, int last) = ColumnPart(args, start, end);
        T* tail = stackalloc T[5 * w];
        for (int r = 0; r < rows; r++)
        {
            long at = (long)r * n + first;
            BiasGeluBackwardSegment(args->A + at, args->B + at, args->C + first, args->D is null ? null : args->D + at,
                args->E is null ? null : args->E + first, last - first, write, tail);
        }
    }

    /// <summary>
    /// Rows [start, end) of the written backward without the bias's sum: D (x̄) = A ⊙ gelu′(B + C), ĝ rounded as
    /// <see cref="BiasGeluBackwardColumns"/> rounds it. Split by rows (each thread streams whole rows); the caller then sums
    /// the rows of x̄ into b̄ in order — the same additions as summing ĝ in the pass.
    /// </summary>
    public static void BiasGeluBackwardWriteRows(RowArgs<T>* args, int start, int end)
    {
        int n = args->Length;
        T* tail = stackalloc T[5 * W];
        for (int r = start; r < end; r++)
        {
            long at = (long)r * n;
            BiasGeluBackwardSegment(args->A + at, args->B + at, args->C, args->D + at, null, n, write: true, tail);
        }
    }

    /// <summary>count elements of one row (any count: whole vectors, then a partial one through the zero-padded <paramref name="tail"/>, 5 W long).</summary>
    private static void BiasGeluBackwardSegment(T* dY, T* x, T* bias, T* into, T* intoBias, int count, bool write, T* tail)
    {
        int w = W, full = count / w * w;
        BiasGeluBackwardSpan(dY, x, bias, into, intoBias, full, write);
        if (full == count) return;
        int rest = count - full;
        new Span<T>(tail, 5 * w).Clear();
        new ReadOnlySpan<T>(dY + full, rest).CopyTo(new Span<T>(tail, w));
        new ReadOnlySpan<T>(x + full, rest).CopyTo(new Span<T>(tail + w, w));
        new ReadOnlySpan<T>(bias + full, rest).CopyTo(new Span<T>(tail + 2 * w, w));
        if (into is not null && !write) new ReadOnlySpan<T>(into + full, rest).CopyTo(new Span<T>(tail + 3 * w, w));
        if (intoBias is not null) new ReadOnlySpan<T>(intoBias + full, rest).CopyTo(new Span<T>(tail + 4 * w, w));
        BiasGeluBackwardSpan(tail, tail + w, tail + 2 * w, into is null ? null : tail + 3 * w, intoBias is null ? null : tail + 4 * w, w, write);
        if (into is not null) new ReadOnlySpan<T>(tail + 3 * w, rest).CopyTo(new Span<T>(into + full, rest));
        if (intoBias is not null) new ReadOnlySpan<T>(tail + 4 * w, rest).CopyTo(new Span<T>(intoBias + full, rest));
    }

    /// <summary>
    /// count (a multiple of W) elements of one row: ĝ = dY · gelu′(x + bias) + 0; into = ĝ (<paramref name="write"/>) or
    /// into + ĝ; intoBias + ĝ — into and intoBias skipped when null. Each case is its own method with one copy of the math:
    /// a method holding several inlined copies of GELU′ ran over the JIT's inlining budget and called it (5× slower).
    /// </summary>
    private static void BiasGeluBackwardSpan(T* dY, T* x, T* bias, T* into, T* intoBias, int count, bool write)
    {
        if (into is not null && intoBias is not null)
        {
            if (write) GeluBiasWriteBoth(dY, x, bias, into, intoBias, count);
            else GeluBiasAddBoth(dY, x, bias, into, intoBias, count);
        }
        else if (into is not null)
        {
            if (write) GeluBiasWrite(dY, x, bias, into, count);
            else GeluBiasAdd(dY, x, bias, into, count);
        }
        else if (intoBias is not null)
        {
            GeluBiasAdd(dY, x, bias, intoBias, count);
        }
    }

    /// <summary>ĝ = dY · gelu′(x + bias) + 0 (as <see cref="GeluBackwardWrite"/> rounds it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV BiasGradient(T* dY, T* x, T* bias, int j)
        => TS.MultiplyAdd(TS.Load(dY + j), GeluDerivative(TS.Add(TS.Load(x + j), TS.Load(bias + j))), TS.Splat(0));

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void GeluBiasWriteBoth(T* dY, T* x, T* bias, T* into, T* intoBias, int count)
    {
        for (int j = 0; j < count; j += W)
        {
            TV g = BiasGradient(dY, x, bias, j);
            TS.Store(g, into + j);
            TS.Store(TS.Add(TS.Load(intoBias + j), g), intoBias + j);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void GeluBiasAddBoth(T* dY, T* x, T* bias, T* into, T* intoBias, int count)
    {
        for (int j = 0; j < count; j += W)
        {
            TV g = BiasGradient(dY, x, bias, j);
            TS.Store(TS.Add(TS.Load(into + j), g), into + j);
            TS.Store(TS.Add(TS.Load(intoBias + j), g), intoBias + j);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void GeluBiasWrite(T* dY, T* x, T* bias, T* into, int count)
    {
        for (int j = 0; j < count; j += W) TS.Store(BiasGradient(dY, x, bias, j), into + j);
    }

    /// <summary>target + ĝ: x̄, or b̄ (the row sum's next row: the same additions).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void GeluBiasAdd(T* dY, T* x, T* bias, T* target, int count)
    {
        for (int j = 0; j < count; j += W) TS.Store(TS.Add(TS.Load(target + j), BiasGradient(dY, x, bias, j)), target + j);
    }
}
