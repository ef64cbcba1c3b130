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
internal static unsafe partial class VectorRows<T, TV, TS>
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
        LayerNormBackwardWrite = &LayerNormBackwardWriteRows,
        LayerNormParameters = &LayerNormParameterColumns,
        CrossEntropy = &CrossEntropyRows,
        CrossEntropyWrite = &CrossEntropyWriteRows,
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
    /// LayerNorm's backward, first phase, over rows [start, end) (see <see cref="Adjoint.LayerNorm{T}"/>): A dY, B x, C weight,
    /// D dx (null: skip), G the rows' (mean, rstd) pairs for the second phase (null: not wanted), Length C, Scalar eps.
    /// With x̂ = (x − μ) · rstd and ĝ = dY ⊙ weight, dx += rstd · (ĝ − mean(ĝ) − x̂ · mean(ĝ ⊙ x̂)). Rows are independent:
    /// split over the cores. dWeight and dBias, sums over the rows, are the second phase's (<see cref="LayerNormParameterColumns"/>).
    /// </summary>
    public static void LayerNormBackwardRows(RowArgs<T>* args, int start, int end) => LayerNormBackwardRows(args, start, end, write: false);

    /// <summary>
    /// <see cref="LayerNormBackwardRows(RowArgs{T}*, int, int)"/> writing dx (a gradient's first contribution): 0 + each
    /// term, as adding it into zeros rounds it (a −0 term is +0 there too), without reading dx.
    /// </summary>
    public static void LayerNormBackwardWriteRows(RowArgs<T>* args, int start, int end) => LayerNormBackwardRows(args, start, end, write: true);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LayerNormBackwardRows(RowArgs<T>* args, int start, int end, bool write)
    {
        int n = args->Length;
        T* weight = args->C;
        for (int row = start; row < end; row++)
        {
            long at = (long)row * n;
            T* dY = args->A + at, x = args->B + at;
            (T mean, T rstd) = Moments(x, n, args->Scalar);
            if (args->G != null)
            {
                args->G[2 * row] = mean;
                args->G[2 * row + 1] = rstd;
            }
            if (args->D == null) continue;
            TV vMean = TS.Create(mean), vRstd = TS.Create(rstd);
            TV vSumG = TS.Splat(0), vSumGx = TS.Splat(0);
            T sumG = T.Zero, sumGx = T.Zero;
            int i;
            for (i = 0; i <= n - W; i += W)
            {
                TV normalized = TS.Multiply(TS.Subtract(TS.Load(x + i), vMean), vRstd);
                TV scaled = TS.Multiply(TS.Load(dY + i), TS.Load(weight + i));
                vSumG = TS.Add(vSumG, scaled);
                vSumGx = TS.Add(vSumGx, TS.Multiply(scaled, normalized));
            }
            for (; i < n; i++)
            {
                T normalized = (x[i] - mean) * rstd;
                T scaled = dY[i] * weight[i];
                sumG += scaled;
                sumGx += scaled * normalized;
            }
            T* dx = args->D + at;
            T count = T.CreateTruncating(n);
            T meanG = (TS.Sum(vSumG) + sumG) / count, meanGx = (TS.Sum(vSumGx) + sumGx) / count;
            TV vMeanG = TS.Create(meanG), vMeanGx = TS.Create(meanGx);
            for (i = 0; i <= n - W; i += W)
            {
                TV normalized = TS.Multiply(TS.Subtract(TS.Load(x + i), vMean), vRstd);
                TV scaled = TS.Multiply(TS.Load(dY + i), TS.Load(weight + i));
                TV term = TS.Subtract(TS.Subtract(scaled, vMeanG), TS.Multiply(normalized, vMeanGx));
                TS.Store(TS.Add(write ? TS.Splat(0) : TS.Load(dx + i), TS.Multiply(term, vRstd)), dx + i);
            }
            for (; i < n; i++)
            {
                T normalized = (x[i] - mean) * rstd;
                dx[i] = (write ? T.Zero : dx[i]) + (dY[i] * weight[i] - meanG - normalized * meanGx) * rstd;
            }
        }
    }

    /// <summary>
    /// The columns [first, last) of a row of Length that part [start, end) of Parts covers, for a kernel split over columns:
    /// part p gets the column vectors [p·V/Parts, (p + 1)·V/Parts) of the V = ⌈Length / W⌉ in a row, so every part but the
    /// last begins and ends on a whole vector.
    /// </summary>
    private static (int First, int Last) ColumnPart(RowArgs<T>* args, int start, int end)
    {
        int n = args->Length, w = W;
        long vectors = (n + w - 1) / w;
        return ((int)(vectors * start / args->Parts) * w, Math.Min((int)(vectors * end / args->Parts) * w, n));
    }

    /// <summary>
    /// LayerNorm's backward, second phase, over column parts [start, end) of Parts: A dY, B x, G the rows' (mean, rstd),
    /// E dWeight, F dBias (null: skip), Length C, Rows. dWeight += Σ_rows dY ⊙ x̂, dBias += Σ_rows dY: each column summed
    /// over the rows in row order on one thread, x̂ rounded as the first phase rounds it — the same numbers whatever the
    /// number of cores. Parts begin on whole vectors.
    /// </summary>
    public static void LayerNormParameterColumns(RowArgs<T>* args, int start, int end)
    {
        int n = args->Length, w = W;
        (int first, int last) = ColumnPart(args, start, end);
        T* dWeight = args->E, dBias = args->F;
        for (int row = 0; row < args->Rows; row++)
        {
            long at = (long)row * n;
            T* dY = args->A + at, x = args->B + at;
            T mean = args->G[2 * row], rstd = args->G[2 * row + 1];
            TV vMean = TS.Create(mean), vRstd = TS.Create(rstd);
            int i;
            for (i = first; i <= last - w; i += w)
            {
                TV g = TS.Load(dY + i);
                if (dBias != null) TS.Store(TS.Add(TS.Load(dBias + i), g), dBias + i);
                if (dWeight != null) TS.Store(TS.Add(TS.Load(dWeight + i), TS.Multiply(g, TS.Multiply(TS.Subtract(TS.Load(x + i), vMean), vRstd))), dWeight + i);
            }
            for (; i < last; i++)
            {
                if (dBias != null) dBias[i] += dY[i];
                if (dWeight != null) dWeight[i] += dY[i] * ((x[i] - mean) * rstd);
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
    public static void CrossEntropyRows(RowArgs<T>* args, int start, int end) => CrossEntropyCore(args, start, end, write: false);

    /// <summary>
    /// <see cref="CrossEntropyRows"/> with the gradient written (C's contents not read): bit for bit adding it to zeros —
    /// each element is e · (Scalar / Σ) + 0 rounded once as the added form rounds e · (Scalar / Σ) + 0, then the target's
    /// element less Scalar.
    /// </summary>
    public static void CrossEntropyWriteRows(RowArgs<T>* args, int start, int end) => CrossEntropyCore(args, start, end, write: true);

    private static void CrossEntropyCore(RowArgs<T>* args, int start, int end, bool write)
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
            if (write)
            {
                TV zero = TS.Splat(0);
                for (i = 0; i <= classes - W; i += W) TS.Store(TS.MultiplyAdd(TS.Load(exponentials + i), vFactor, zero), into + i);
                for (; i < classes; i++) into[i] = exponentials[i] * factor + T.Zero;
            }
            else
            {
                for (i = 0; i <= classes - W; i += W) TS.Store(TS.MultiplyAdd(TS.Load(exponentials + i), vFactor, TS.Load(into + i)), into + i);
                for (; i < classes; i++) into[i] += exponentials[i] * factor;
            }
            into[target] -= scale;
        }
    }
}

/// <summary>The kernels of one <see cref="VectorRows{T, TV, TS}"/> instantiation (one element type and width).</summary>
internal unsafe struct RowTable<T> where T : unmanaged
{
    public delegate*<T*, T*, T*, int, void> Gelu, GeluBackward, GeluBackwardWrite, Add;
    public delegate*<RowArgs<T>*, int, int, void> BiasGelu, BiasGeluBackward, BiasGeluBackwardWrite, BiasGeluBackwardWriteRows;
    public delegate*<RowArgs<T>*, int, int, void> AddRows, CausalSoftmax, CausalSoftmaxBackward, CausalSoftmaxBackwardWrite, LayerNorm, LayerNormBackward, LayerNormBackwardWrite, LayerNormParameters, CrossEntropy, CrossEntropyWrite;
}
