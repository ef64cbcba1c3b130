using System;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace GradGen;

/// <summary>
/// The element-wise and row kernels of the transformer ops — e^x, GELU forward and backward, the causal softmax forward
/// and backward, LayerNorm forward and backward, softmax cross-entropy (loss and gradient in one pass), addition — as one
/// algorithm each, generic over the element type (float, double) and the vector width (<typeparamref name="TS"/>:
/// 128, 256 or 512 bits), like <see cref="PackedGemm{T, TV, TS}"/>: the JIT compiles one copy per instantiation with
/// that width's instructions. <see cref="RowKernels"/> picks the instantiation (<see cref="SimdWidth.Rows"/>, or a width
/// a test forces); the generic paths of <see cref="Ops"/> and <see cref="Adjoint"/> compute the same formulas and the
/// tests check both against scalar references.
/// </summary>
/// <remarks>
/// Row kernels take <see cref="RowArgs{T}"/> and a range of rows [start, end) (so <see cref="ParallelRows"/> can split
/// them over cores); element-wise kernels take three pointers and a length (<see cref="ParallelElementwise"/>). Rows are
/// short (T ≤ 1024 scores, C ≤ a few thousand channels), so each row is two or three passes of vector loads with scalar
/// tails, rather than a handful of library calls per row.
/// </remarks>
[SkipLocalsInit]
internal static unsafe class VectorRows<T, TV, TS>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
    where TV : struct
    where TS : struct, ISimd<T, TV>
{
    private static int W => TS.Count;

    private static bool IsFloat => typeof(T) == typeof(float);

    /// <summary>This instantiation's kernels, for <see cref="RowKernels"/>.</summary>
    public static RowTable<T> Table => new()
    {
        Gelu = &Gelu,
        GeluBackward = &GeluBackward,
        GeluBackwardWrite = &GeluBackwardWrite,
        BiasGelu = &BiasGeluRows,
        BiasGeluBackward = &BiasGeluBackwardColumns,
        BiasGeluBackwardWrite = &BiasGeluBackwardWriteColumns,
        BiasGeluBackwardWriteRows = &BiasGeluBackwardWriteRows,
        Add = &Add,
        AddRows = &AddRows,
        CausalSoftmax = &CausalSoftmaxRows,
        CausalSoftmaxBackward = &CausalSoftmaxBackwardRows,
        CausalSoftmaxBackwardWrite = &CausalSoftmaxBackwardWriteRows,
        LayerNorm = &LayerNormRows,
        LayerNormBackward = &LayerNormBackwardRows,
        CrossEntropy = &CrossEntropyRows,
    };

    // ── e^x ─────────────────────────────────────────────────────────────────────────────────
    // e^x = 2^n · e^r with n = round(x / ln 2), r = x − n ln 2 (ln 2 split in two so n ln 2 is exact), |r| ≤ ½ ln 2.
    // float (Cephes' expf): e^r from a degree-6 polynomial, about 1 ulp over [−87.34, 88.38].
    private const float ExpHighF = 88.3762626647949f;    // n ≤ 127: 2^n stays a normal float
    private const float ExpLowF = -87.3365447504f;       // n ≥ −126: e^x ≈ 1.2·10⁻³⁸ below this, not 0
    private const float Log2EF = 1.44269504088896341f;
    private const float Ln2HighF = 0.693359375f;
    private const float Ln2LowF = -2.12194440e-4f;
    private const float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f;
    private const float P3 = 4.1665795894e-2f, P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;
    // double (Cephes' exp): e^r = 1 + 2 r P(r²) / (Q(r²) − r P(r²)), about 1 ulp over [−708.40, 709].
    private const double ExpHighD = 709.0;                       // n ≤ 1023
    private const double ExpLowD = -708.39641853226410622;       // ln 2^−1022: n ≥ −1022, e^x stays normal
    private const double Log2ED = 1.4426950408889634073599;
    private const double Ln2HighD = 6.93145751953125E-1, Ln2LowD = 1.42860682030941723212E-6;
    private const double PD0 = 1.26177193074810590878E-4, PD1 = 3.02994407707441961300E-2, PD2 = 9.99999999999999999910E-1;
    private const double QD0 = 3.00198505138664455042E-6, QD1 = 2.52448340349684104192E-3, QD2 = 2.27265548208155028766E-1;
    private const double QD3 = 2.00000000000000000009E0;

    /// <summary>
    /// e^x per lane (about 1 ulp); x is clamped to [−87.34, 88.38] in float, [−708.40, 709] in double, so e^x never
    /// overflows and tiny results stay normal rather than 0. NaN stays NaN.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Exp(TV x)
    {
        // Comparisons are false for NaN, so the selects keep a NaN lane as it is.
        double high = IsFloat ? ExpHighF : ExpHighD, low = IsFloat ? ExpLowF : ExpLowD;
        x = TS.Select(TS.GreaterThan(x, TS.Splat(high)), TS.Splat(high), x);
        x = TS.Select(TS.LessThan(x, TS.Splat(low)), TS.Splat(low), x);
        // round(x log₂e) to nearest by adding 1.5·2²³ (float) or 1.5·2⁵² (double): the sum's low mantissa bits then
        // hold n, from which TS.PowerOfTwo builds 2ⁿ (no float → int conversion).
        TV magic = TS.Splat(IsFloat ? 12582912.0 : 6755399441055744.0);
        TV shifted = TS.MultiplyAdd(x, TS.Splat(IsFloat ? Log2EF : Log2ED), magic);
        TV n = TS.Subtract(shifted, magic);
        TV r = TS.MultiplyAdd(n, TS.Splat(IsFloat ? -Ln2HighF : -Ln2HighD), x);
        r = TS.MultiplyAdd(n, TS.Splat(IsFloat ? -Ln2LowF : -Ln2LowD), r);
        TV z = TS.Multiply(r, r);
        TV e;
        if (IsFloat)
        {
            TV p = TS.MultiplyAdd(TS.Splat(P0), r, TS.Splat(P1));
            p = TS.MultiplyAdd(p, r, TS.Splat(P2));
            p = TS.MultiplyAdd(p, r, TS.Splat(P3));
            p = TS.MultiplyAdd(p, r, TS.Splat(P4));
            p = TS.MultiplyAdd(p, r, TS.Splat(P5));
            e = TS.Add(TS.MultiplyAdd(p, z, r), TS.Splat(1));
        }
        else
        {
            TV p = TS.MultiplyAdd(TS.Splat(PD0), z, TS.Splat(PD1));
            p = TS.Multiply(r, TS.MultiplyAdd(p, z, TS.Splat(PD2)));
            TV q = TS.MultiplyAdd(TS.Splat(QD0), z, TS.Splat(QD1));
            q = TS.MultiplyAdd(q, z, TS.Splat(QD2));
            q = TS.MultiplyAdd(q, z, TS.Splat(QD3));
            e = TS.MultiplyAdd(TS.Splat(2), TS.Divide(p, TS.Subtract(q, p)), TS.Splat(1));
        }
        return TS.Multiply(e, TS.PowerOfTwo(shifted));
    }

    /// <summary>e^x of one value, by the same lanes as <see cref="Exp(TV)"/> (for the tails of rows).</summary>
    public static T Exp(T x) => TS.ToScalar(Exp(TS.Create(x)));

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
        // Part p of Parts covers the column vectors [p·V/Parts, (p + 1)·V/Parts) of the V = ⌈n / W⌉ in a row.
        long vectors = (n + w - 1) / w;
        int first = (int)(vectors * start / args->Parts) * w, last = Math.Min((int)(vectors * end / args->Parts) * w, n);
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

    // ── addition ───────────────────────────────────────────────────────────────────────────────

    /// <summary>
    /// c = a + b over n elements (c may be a or b): TensorPrimitives' addition of the chunk, which is memory-bound and
    /// already at the CPU's widest width, with non-temporal stores for large operands (a plain vector loop here was
    /// 0.7× its speed at [8192, 768] in double, run W2); what this adds is the split over cores.
    /// </summary>
    public static void Add(T* a, T* b, T* c, int n)
        => System.Numerics.Tensors.TensorPrimitives.Add(new ReadOnlySpan<T>(a, n), new ReadOnlySpan<T>(b, n), new Span<T>(c, n));

    /// <summary>Rows [start, end): C = A + B, B one row (Length elements) repeated.</summary>
    public static void AddRows(RowArgs<T>* args, int start, int end)
    {
        int n = args->Length;
        for (int r = start; r < end; r++)
        {
            long at = (long)r * n;
            Add(args->A + at, args->B, args->C + at, n);
        }
    }

    // ── causal softmax ─────────────────────────────────────────────────────────────────────────

    /// <summary>Causal softmax of rows [start, end) of stacked [T, T] matrices: A scores, B result, Length T, Scalar the scale.</summary>
    public static void CausalSoftmaxRows(RowArgs<T>* args, int start, int end)
    {
        int t = args->Length;
        for (int r = start; r < end; r++) CausalSoftmaxRow(args->A + (long)r * t, r % t + 1, t, args->Scalar, args->B + (long)r * t);
    }

    /// <summary>
    /// y[j] = softmax(scale · s[0..n))[j] for j &lt; n, y[j] = 0 for n ≤ j &lt; t (y may be s). s[n..t) (masked scores,
    /// possibly NaN or ∞) are loaded with the vectors that cover position n − 1 but never used: their lanes are masked.
    /// </summary>
    private static void CausalSoftmaxRow(T* s, int n, int t, T scale, T* y)
    {
        int j;
        TV vScale = TS.Create(scale), vMinus = TS.Create(T.NegativeInfinity), zero = TS.Splat(0);
        TV vMax = vMinus;
        for (j = 0; j < n && j <= t - W; j += W)
        {
            vMax = TS.Max(vMax, TS.Select(TS.FirstLanes(n - j), TS.Multiply(TS.Load(s + j), vScale), vMinus));
        }
        int vectorEnd = j;
        T max = TS.MaxAcross(vMax);
        for (; j < n; j++) max = T.Max(max, s[j] * scale);

        TV vShift = TS.Create(max), vSum = zero;
        for (j = 0; j < vectorEnd; j += W)
        {
            TV e = TS.Select(TS.FirstLanes(n - j), Exp(TS.Subtract(TS.Multiply(TS.Load(s + j), vScale), vShift)), zero);
            TS.Store(e, y + j);
            vSum = TS.Add(vSum, e);
        }
        T sum = TS.Sum(vSum);
        for (; j < n; j++)
        {
            T e = Exp(s[j] * scale - max);
            y[j] = e;
            sum += e;
        }
        int from = Math.Max(j, n);
        new Span<T>(y + from, t - from).Clear();

        T inverse = T.One / sum;
        TV vInverse = TS.Create(inverse);
        for (j = 0; j < vectorEnd; j += W) TS.Store(TS.Multiply(TS.Load(y + j), vInverse), y + j);
        for (; j < n; j++) y[j] *= inverse;
    }

    /// <summary>Causal softmax backward of rows [start, end): A dY, B y, C into, Length T, Scalar the scale.</summary>
    public static void CausalSoftmaxBackwardRows(RowArgs<T>* args, int start, int end) => CausalSoftmaxBackwardRows(args, start, end, write: false);

    /// <summary><see cref="CausalSoftmaxBackwardRows(RowArgs{T}*, int, int)"/> writing into (a gradient's first contribution): the masked positions get 0.</summary>
    public static void CausalSoftmaxBackwardWriteRows(RowArgs<T>* args, int start, int end) => CausalSoftmaxBackwardRows(args, start, end, write: true);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CausalSoftmaxBackwardRows(RowArgs<T>* args, int start, int end, bool write)
    {
        int t = args->Length;
        for (int r = start; r < end; r++)
        {
            long at = (long)r * t;
            CausalSoftmaxRowBackward(args->A + at, args->B + at, r % t + 1, t, args->Scalar, args->C + at, write);
        }
    }

    /// <summary>
    /// into[j] += scale · y[j] (dY[j] − Σ_{i&lt;n} dY[i] y[i]) for j &lt; n — or, with <paramref name="write"/>, into[j] = that
    /// and into[n..t) = 0; without it into[n..t) is left as it is. dY and y at n..t) are never used.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CausalSoftmaxRowBackward(T* dY, T* y, int n, int t, T scale, T* into, bool write)
    {
        int j;
        TV zero = TS.Splat(0), vDot = zero;
        for (j = 0; j < n && j <= t - W; j += W)
        {
            vDot = TS.Add(vDot, TS.Select(TS.FirstLanes(n - j), TS.Multiply(TS.Load(dY + j), TS.Load(y + j)), zero));
        }
        int vectorEnd = j;
        T dot = TS.Sum(vDot);
        for (; j < n; j++) dot += dY[j] * y[j];

        TV vDotB = TS.Create(dot), vScale = TS.Create(scale);
        for (j = 0; j < vectorEnd; j += W)
        {
            TV term = TS.Select(TS.FirstLanes(n - j), TS.Multiply(TS.Multiply(TS.Subtract(TS.Load(dY + j), vDotB), TS.Load(y + j)), vScale), zero);
            TS.Store(write ? term : TS.Add(TS.Load(into + j), term), into + j);
        }
        if (write)
        {
            for (; j < n; j++) into[j] = (dY[j] - dot) * y[j] * scale;
            for (; j < t; j++) into[j] = T.Zero;
        }
        else
        {
            for (; j < n; j++) into[j] += (dY[j] - dot) * y[j] * scale;
        }
    }

    // ── LayerNorm ──────────────────────────────────────────────────────────────────────────────

    /// <summary>Mean and rstd = 1 / √(σ² + eps) (biased variance, two passes) of one row.</summary>
    private static (T Mean, T Rstd) Moments(T* x, int n, T eps)
    {
        int i = 0;
        TV vSum = TS.Splat(0);
        for (; i <= n - W; i += W) vSum = TS.Add(vSum, TS.Load(x + i));
        T sum = TS.Sum(vSum);
        for (; i < n; i++) sum += x[i];
        T count = T.CreateTruncating(n);
        T mean = sum / count;

        TV vMean = TS.Create(mean), vSquares = TS.Splat(0);
        for (i = 0; i <= n - W; i += W)
        {
            TV d = TS.Subtract(TS.Load(x + i), vMean);
            vSquares = TS.Add(vSquares, TS.Multiply(d, d));
        }
        T squares = TS.Sum(vSquares);
        for (; i < n; i++) squares += (x[i] - mean) * (x[i] - mean);
        return (mean, T.One / T.Sqrt(squares / count + eps));
    }

    /// <summary>LayerNorm of rows [start, end): A x, B weight, C bias, D y (may be x), Length C, Scalar eps.</summary>
    public static void LayerNormRows(RowArgs<T>* args, int start, int end)
    {
        int n = args->Length;
        T* weight = args->B, bias = args->C;
        for (int r = start; r < end; r++)
        {
            T* x = args->A + (long)r * n, y = args->D + (long)r * n;
            (T mean, T rstd) = Moments(x, n, args->Scalar);
            TV vMean = TS.Create(mean), vRstd = TS.Create(rstd);
            int i = 0;
            for (; i <= n - W; i += W)
            {
                TV normalized = TS.Multiply(TS.Subtract(TS.Load(x + i), vMean), vRstd);
                TS.Store(TS.Add(TS.Multiply(normalized, TS.Load(weight + i)), TS.Load(bias + i)), y + i);
            }
            for (; i < n; i++) y[i] = (x[i] - mean) * rstd * weight[i] + bias[i];
        }
    }

    /// <summary>
    /// LayerNorm's backward over rows [start, end) (see <see cref="Adjoint.LayerNorm{T}"/>): A dY, B x, C weight, D dx,
    /// E dWeight, F dBias (null: skip that gradient), Length C, Scalar eps. With x̂ = (x − μ) · rstd and ĝ = dY ⊙ weight,
    /// dx += rstd · (ĝ − mean(ĝ) − x̂ · mean(ĝ ⊙ x̂)), dWeight += dY ⊙ x̂, dBias += dY. dWeight and dBias are sums over
    /// rows: one thread runs all rows.
    /// </summary>
    public static void LayerNormBackwardRows(RowArgs<T>* args, int start, int end)
    {
        int n = args->Length;
        T* weight = args->C, dWeight = args->E, dBias = args->F;
        bool wantWeight = dWeight != null, wantBias = dBias != null;
        for (int row = start; row < end; row++)
        {
            long at = (long)row * n;
            T* dY = args->A + at, x = args->B + at;
            (T mean, T rstd) = Moments(x, n, args->Scalar);
            TV vMean = TS.Create(mean), vRstd = TS.Create(rstd);
            TV vSumG = TS.Splat(0), vSumGx = TS.Splat(0);
            T sumG = T.Zero, sumGx = T.Zero;
            int i;
            for (i = 0; i <= n - W; i += W)
            {
                TV g = TS.Load(dY + i);
                TV normalized = TS.Multiply(TS.Subtract(TS.Load(x + i), vMean), vRstd);
                if (wantBias) TS.Store(TS.Add(TS.Load(dBias + i), g), dBias + i);
                if (wantWeight) TS.Store(TS.Add(TS.Load(dWeight + i), TS.Multiply(g, normalized)), dWeight + i);
                TV scaled = TS.Multiply(g, TS.Load(weight + i));
                vSumG = TS.Add(vSumG, scaled);
                vSumGx = TS.Add(vSumGx, TS.Multiply(scaled, normalized));
            }
            for (; i < n; i++)
            {
                T normalized = (x[i] - mean) * rstd;
                if (wantBias) dBias[i] += dY[i];
                if (wantWeight) dWeight[i] += dY[i] * normalized;
                T scaled = dY[i] * weight[i];
                sumG += scaled;
                sumGx += scaled * normalized;
            }
            if (args->D == null) continue;
            T* dx = args->D + at;
            T count = T.CreateTruncating(n);
            T meanG = (TS.Sum(vSumG) + sumG) / count, meanGx = (TS.Sum(vSumGx) + sumGx) / count;
            TV vMeanG = TS.Create(meanG), vMeanGx = TS.Create(meanGx);
            for (i = 0; i <= n - W; i += W)
            {
                TV normalized = TS.Multiply(TS.Subtract(TS.Load(x + i), vMean), vRstd);
                TV scaled = TS.Multiply(TS.Load(dY + i), TS.Load(weight + i));
                TV term = TS.Subtract(TS.Subtract(scaled, vMeanG), TS.Multiply(normalized, vMeanGx));
                TS.Store(TS.Add(TS.Load(dx + i), TS.Multiply(term, vRstd)), dx + i);
            }
            for (; i < n; i++)
            {
                T normalized = (x[i] - mean) * rstd;
                dx[i] += (dY[i] * weight[i] - meanG - normalized * meanGx) * rstd;
            }
        }
    }

    // ── softmax cross-entropy ──────────────────────────────────────────────────────────────────

    [ThreadStatic] private static T[]? t_row;

    /// <summary>This thread's pinned row buffer of at least <paramref name="length"/> elements (grown, never given back).</summary>
    private static T* RowBuffer(int length) => PinnedBuffer.Get(ref t_row, length, RowBufferName);

    private static readonly string RowBufferName = $"VectorRows {8 * Unsafe.SizeOf<TV>()}-bit row buffer";

    /// <summary>max over a non-empty row (NaN if the row has one).</summary>
    private static T Max(T* z, int n)
    {
        int i = 0;
        T max = T.NegativeInfinity;
        if (n >= W)
        {
            TV vMax = TS.Load(z);
            for (i = W; i <= n - W; i += W) vMax = TS.Max(vMax, TS.Load(z + i));
            max = TS.MaxAcross(vMax);
        }
        for (; i < n; i++) max = T.Max(max, z[i]);
        return max;
    }

    /// <summary>Σ e^(z − shift) over a row; with <paramref name="exponentials"/> not null, also writes each term there.</summary>
    private static T SumExp(T* z, int n, T shift, T* exponentials)
    {
        int i;
        TV vShift = TS.Create(shift), vSum = TS.Splat(0);
        for (i = 0; i <= n - W; i += W)
        {
            TV e = Exp(TS.Subtract(TS.Load(z + i), vShift));
            if (exponentials != null) TS.Store(e, exponentials + i);
            vSum = TS.Add(vSum, e);
        }
        T sum = TS.Sum(vSum);
        for (; i < n; i++)
        {
            T e = Exp(z[i] - shift);
            if (exponentials != null) exponentials[i] = e;
            sum += e;
        }
        return sum;
    }

    /// <summary>
    /// Softmax cross-entropy over rows [start, end) of logits A (Length classes), targets in Targets: with D not null,
    /// D[row] = log Σ e^z − z[target] (stably: max + log Σ e^(z − max)); with C not null, the gradient
    /// C[row] += Scalar · (softmax(z) − onehot(target)), each row's exponentials computed once for both.
    /// </summary>
    public static void CrossEntropyRows(RowArgs<T>* args, int start, int end)
    {
        int classes = args->Length;
        T* exponentials = args->C == null ? null : RowBuffer(classes);
        T scale = args->Scalar;
        for (int r = start; r < end; r++)
        {
            T* z = args->A + (long)r * classes;
            T max = Max(z, classes);
            T sum = SumExp(z, classes, max, exponentials);
            int target = args->Targets[r];
            if (args->D != null) args->D[r] = max + T.Log(sum) - z[target];
            if (args->C == null) continue;
            T* into = args->C + (long)r * classes;
            T factor = scale / sum;
            TV vFactor = TS.Create(factor);
            int i;
            for (i = 0; i <= classes - W; i += W) TS.Store(TS.MultiplyAdd(TS.Load(exponentials + i), vFactor, TS.Load(into + i)), into + i);
            for (; i < classes; i++) into[i] += exponentials[i] * factor;
            into[target] -= scale;
        }
    }
}

/// <summary>The kernels of one <see cref="VectorRows{T, TV, TS}"/> instantiation (one element type and width).</summary>
internal unsafe struct RowTable<T> where T : unmanaged
{
    public delegate*<T*, T*, T*, int, void> Gelu, GeluBackward, GeluBackwardWrite, Add;
    public delegate*<RowArgs<T>*, int, int, void> BiasGelu, BiasGeluBackward, BiasGeluBackwardWrite, BiasGeluBackwardWriteRows;
    public delegate*<RowArgs<T>*, int, int, void> AddRows, CausalSoftmax, CausalSoftmaxBackward, LayerNorm, LayerNormBackward, CrossEntropy;
    public delegate*<RowArgs<T>*, int, int, void> CausalSoftmaxBackwardWrite;
}
