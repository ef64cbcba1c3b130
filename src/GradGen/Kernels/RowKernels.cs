using System;
using System.Numerics;

namespace GradGen;

/// <summary>
/// Float row kernels on <see cref="Vector{T}"/> (256 bits with AVX2, 128 on ARM64 and SSE; see <see cref="VectorMath"/>) for the causal softmax and LayerNorm, forward and backward: each row in two or
/// three passes of vector loads instead of a handful of <c>TensorPrimitives</c> calls per row (the rows are short:
/// T ≤ 64 visible scores, C = 128 channels in TinyGpt, so per-call overhead dominated). Called only when
/// <see cref="VectorMath.IsSupported"/>; the generic paths of <see cref="Ops"/> and <see cref="Adjoint"/> compute the
/// same formulas and are the reference the float paths are tested against.
/// </summary>
internal static class RowKernels
{
    private static int W => Vector<float>.Count;

    /// <summary>Lane indices 0…W − 1, to mask the lanes of a vector past a row's visible length.</summary>
    private static Vector<int> Lanes => VectorMath.Lanes;

    /// <summary>
    /// The causal softmax of one row of a [T, T] score matrix: y[j] = softmax(scale · s[0..n)) for j &lt; n, y[j] = 0 for
    /// n ≤ j &lt; T. <paramref name="s"/> and <paramref name="y"/> are the full rows (length T); s[n..T) (masked scores,
    /// possibly NaN or ∞) are loaded with the vectors that cover position n − 1 but never used: their lanes are masked.
    /// </summary>
    public static void CausalSoftmaxRow(ReadOnlySpan<float> s, int n, float scale, Span<float> y)
    {
        int t = s.Length, j;
        var vScale = new Vector<float>(scale);
        var vN = new Vector<int>(n);
        var vMinus = new Vector<float>(float.NegativeInfinity);
        Vector<float> vMax = vMinus;
        for (j = 0; j < n && j <= t - W; j += W)
        {
            Vector<float> visible = Vector.AsVectorSingle(Vector.LessThan(Lanes + new Vector<int>(j), vN));
            vMax = Vector.Max(vMax, Vector.ConditionalSelect(visible, VectorMath.Load(s, j) * vScale, vMinus));
        }
        int vectorEnd = j;
        float max = float.NegativeInfinity;
        for (int l = 0; l < W; l++) max = MathF.Max(max, vMax[l]);
        for (; j < n; j++) max = MathF.Max(max, s[j] * scale);

        var vShift = new Vector<float>(max);
        Vector<float> vSum = Vector<float>.Zero;
        for (j = 0; j < vectorEnd; j += W)
        {
            Vector<float> visible = Vector.AsVectorSingle(Vector.LessThan(Lanes + new Vector<int>(j), vN));
            Vector<float> e = VectorMath.Exp(VectorMath.Load(s, j) * vScale - vShift) & visible;
            VectorMath.Store(e, y, j);
            vSum += e;
        }
        float sum = Vector.Sum(vSum);
        for (; j < n; j++)
        {
            float e = VectorMath.Exp(s[j] * scale - max);
            y[j] = e;
            sum += e;
        }
        y.Slice(Math.Max(j, n)).Clear();

        float inverse = 1f / sum;
        var vInverse = new Vector<float>(inverse);
        for (j = 0; j < vectorEnd; j += W) VectorMath.Store(VectorMath.Load(y, j) * vInverse, y, j);
        for (; j < n; j++) y[j] *= inverse;
    }

    /// <summary>
    /// For y = the causal softmax of one row with n visible positions (full rows of length T, as
    /// <see cref="CausalSoftmaxRow"/>): into[j] += scale · y[j] (dY[j] − Σ_{i&lt;n} dY[i] y[i]) for j &lt; n; into[n..T)
    /// is left as it is and dY, y there are never used.
    /// </summary>
    public static void CausalSoftmaxRowBackward(ReadOnlySpan<float> dY, ReadOnlySpan<float> y, int n, float scale, Span<float> into)
    {
        int t = y.Length, j;
        var vN = new Vector<int>(n);
        Vector<float> vDot = Vector<float>.Zero;
        for (j = 0; j < n && j <= t - W; j += W)
        {
            Vector<float> visible = Vector.AsVectorSingle(Vector.LessThan(Lanes + new Vector<int>(j), vN));
            vDot += Vector.ConditionalSelect(visible, VectorMath.Load(dY, j) * VectorMath.Load(y, j), Vector<float>.Zero);
        }
        int vectorEnd = j;
        float dot = Vector.Sum(vDot);
        for (; j < n; j++) dot += dY[j] * y[j];

        var vDotB = new Vector<float>(dot);
        var vScale = new Vector<float>(scale);
        for (j = 0; j < vectorEnd; j += W)
        {
            Vector<float> visible = Vector.AsVectorSingle(Vector.LessThan(Lanes + new Vector<int>(j), vN));
            Vector<float> term = (VectorMath.Load(dY, j) - vDotB) * VectorMath.Load(y, j) * vScale;
            VectorMath.Store(VectorMath.Load(into, j) + Vector.ConditionalSelect(visible, term, Vector<float>.Zero), into, j);
        }
        for (; j < n; j++) into[j] += (dY[j] - dot) * y[j] * scale;
    }

    /// <summary>Mean and rstd = 1 / √(σ² + eps) (biased variance, two passes) of one row.</summary>
    public static (float Mean, float Rstd) Moments(ReadOnlySpan<float> x, float eps)
    {
        int n = x.Length, i = 0;
        Vector<float> vSum = Vector<float>.Zero;
        for (; i <= n - W; i += W) vSum += VectorMath.Load(x, i);
        float sum = Vector.Sum(vSum);
        for (; i < n; i++) sum += x[i];
        float mean = sum / n;

        var vMean = new Vector<float>(mean);
        Vector<float> vSquares = Vector<float>.Zero;
        for (i = 0; i <= n - W; i += W)
        {
            Vector<float> d = VectorMath.Load(x, i) - vMean;
            vSquares += d * d;
        }
        float squares = Vector.Sum(vSquares);
        for (; i < n; i++) squares += (x[i] - mean) * (x[i] - mean);
        return (mean, 1f / MathF.Sqrt(squares / n + eps));
    }

    /// <summary>y = (x − μ) · rstd ⊙ weight + bias over one row (y may be x).</summary>
    public static void LayerNormRow(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, float eps, Span<float> y)
    {
        (float mean, float rstd) = Moments(x, eps);
        int n = x.Length, i = 0;
        var vMean = new Vector<float>(mean);
        var vRstd = new Vector<float>(rstd);
        for (; i <= n - W; i += W)
        {
            Vector<float> normalized = (VectorMath.Load(x, i) - vMean) * vRstd;
            VectorMath.Store(normalized * VectorMath.Load(weight, i) + VectorMath.Load(bias, i), y, i);
        }
        for (; i < n; i++) y[i] = (x[i] - mean) * rstd * weight[i] + bias[i];
    }

    /// <summary>
    /// LayerNorm's backward over one row (see <see cref="Adjoint.LayerNorm{T}"/>): with x̂ = (x − μ) · rstd and
    /// ĝ = dY ⊙ weight, dx += rstd · (ĝ − mean(ĝ) − x̂ · mean(ĝ ⊙ x̂)), dWeight += dY ⊙ x̂, dBias += dY. An empty span
    /// skips that gradient.
    /// </summary>
    public static void LayerNormRowBackward(ReadOnlySpan<float> dY, ReadOnlySpan<float> x, ReadOnlySpan<float> weight, float eps,
        Span<float> dx, Span<float> dWeight, Span<float> dBias)
    {
        (float mean, float rstd) = Moments(x, eps);
        int n = x.Length, i;
        bool wantX = !dx.IsEmpty, wantWeight = !dWeight.IsEmpty, wantBias = !dBias.IsEmpty;
        var vMean = new Vector<float>(mean);
        var vRstd = new Vector<float>(rstd);
        Vector<float> vSumG = Vector<float>.Zero, vSumGx = Vector<float>.Zero;
        float sumG = 0, sumGx = 0;
        for (i = 0; i <= n - W; i += W)
        {
            Vector<float> g = VectorMath.Load(dY, i);
            Vector<float> normalized = (VectorMath.Load(x, i) - vMean) * vRstd;
            if (wantBias) VectorMath.Store(VectorMath.Load(dBias, i) + g, dBias, i);
            if (wantWeight) VectorMath.Store(VectorMath.Load(dWeight, i) + g * normalized, dWeight, i);
            Vector<float> scaled = g * VectorMath.Load(weight, i);
            vSumG += scaled;
            vSumGx += scaled * normalized;
        }
        for (; i < n; i++)
        {
            float normalized = (x[i] - mean) * rstd;
            if (wantBias) dBias[i] += dY[i];
            if (wantWeight) dWeight[i] += dY[i] * normalized;
            float scaled = dY[i] * weight[i];
            sumG += scaled;
            sumGx += scaled * normalized;
        }
        if (!wantX) return;
        float meanG = (Vector.Sum(vSumG) + sumG) / n, meanGx = (Vector.Sum(vSumGx) + sumGx) / n;

        var vMeanG = new Vector<float>(meanG);
        var vMeanGx = new Vector<float>(meanGx);
        for (i = 0; i <= n - W; i += W)
        {
            Vector<float> normalized = (VectorMath.Load(x, i) - vMean) * vRstd;
            Vector<float> scaled = VectorMath.Load(dY, i) * VectorMath.Load(weight, i);
            Vector<float> term = scaled - vMeanG - normalized * vMeanGx;
            VectorMath.Store(VectorMath.Load(dx, i) + term * vRstd, dx, i);
        }
        for (; i < n; i++)
        {
            float normalized = (x[i] - mean) * rstd;
            dx[i] += (dY[i] * weight[i] - meanG - normalized * meanGx) * rstd;
        }
    }

    /// <summary>max over a non-empty row (NaN if the row has one).</summary>
    private static float Max(ReadOnlySpan<float> z)
    {
        int n = z.Length, i = 0;
        float max = float.NegativeInfinity;
        if (n >= W)
        {
            Vector<float> vMax = VectorMath.Load(z, 0);
            for (i = W; i <= n - W; i += W) vMax = Vector.Max(vMax, VectorMath.Load(z, i));
            for (int l = 0; l < W; l++) max = MathF.Max(max, vMax[l]);
        }
        for (; i < n; i++) max = MathF.Max(max, z[i]);
        return max;
    }

    /// <summary>Σ e^(z − shift) over a row; with <paramref name="exponentials"/> non-empty, also writes each term there.</summary>
    private static float SumExp(ReadOnlySpan<float> z, float shift, Span<float> exponentials)
    {
        int n = z.Length, i;
        bool keep = !exponentials.IsEmpty;
        var vShift = new Vector<float>(shift);
        Vector<float> vSum = Vector<float>.Zero;
        for (i = 0; i <= n - W; i += W)
        {
            Vector<float> e = VectorMath.Exp(VectorMath.Load(z, i) - vShift);
            if (keep) VectorMath.Store(e, exponentials, i);
            vSum += e;
        }
        float sum = Vector.Sum(vSum);
        for (; i < n; i++)
        {
            float e = VectorMath.Exp(z[i] - shift);
            if (keep) exponentials[i] = e;
            sum += e;
        }
        return sum;
    }

    /// <summary>log Σ e^z over a non-empty row, stably (max + log Σ e^(z − max)).</summary>
    public static float LogSumExp(ReadOnlySpan<float> z)
    {
        float max = Max(z);
        return max + MathF.Log(SumExp(z, max, default));
    }

    /// <summary>into += scale · softmax(z) over a non-empty row; <paramref name="scratch"/> (the row's length) is overwritten.</summary>
    public static void SoftmaxAccumulate(ReadOnlySpan<float> z, float scale, Span<float> scratch, Span<float> into)
    {
        float sum = SumExp(z, Max(z), scratch);
        int n = z.Length, i;
        float factor = scale / sum;
        var vFactor = new Vector<float>(factor);
        for (i = 0; i <= n - W; i += W)
        {
            VectorMath.Store(VectorMath.MultiplyAdd(VectorMath.Load(scratch, i), vFactor, VectorMath.Load(into, i)), into, i);
        }
        for (; i < n; i++) into[i] += scratch[i] * factor;
    }

    // Row ranges for ParallelRows: each reads and writes only its own rows.

    /// <summary>Causal softmax of rows [start, end) of stacked [T, T] matrices: A scores, B result, Length T, Scalar the scale.</summary>
    public static unsafe void CausalSoftmaxRows(RowArgs* args, int start, int end)
    {
        int t = args->Length;
        for (int r = start; r < end; r++)
        {
            CausalSoftmaxRow(new ReadOnlySpan<float>(args->A + (long)r * t, t), r % t + 1, args->Scalar, new Span<float>(args->B + (long)r * t, t));
        }
    }

    /// <summary>Causal softmax backward of rows [start, end): A dY, B y, C into, Length T, Scalar the scale.</summary>
    public static unsafe void CausalSoftmaxBackwardRows(RowArgs* args, int start, int end)
    {
        int t = args->Length;
        for (int r = start; r < end; r++)
        {
            long at = (long)r * t;
            CausalSoftmaxRowBackward(new ReadOnlySpan<float>(args->A + at, t), new ReadOnlySpan<float>(args->B + at, t), r % t + 1, args->Scalar,
                new Span<float>(args->C + at, t));
        }
    }

    /// <summary>LayerNorm of rows [start, end): A x, B weight, C bias, D y, Length C, Scalar eps.</summary>
    public static unsafe void LayerNormRows(RowArgs* args, int start, int end)
    {
        int c = args->Length;
        var weight = new ReadOnlySpan<float>(args->B, c);
        var bias = new ReadOnlySpan<float>(args->C, c);
        for (int r = start; r < end; r++)
        {
            LayerNormRow(new ReadOnlySpan<float>(args->A + (long)r * c, c), weight, bias, args->Scalar, new Span<float>(args->D + (long)r * c, c));
        }
    }
}
