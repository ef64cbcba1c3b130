using System;
using System.Linq;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using Xunit.Abstractions;
using static GradGen.Tests.Runtime.TestTensors;

namespace GradGen.Tests.Runtime;

/// <summary>
/// The vector row and element-wise kernels (VectorRows: e^x, GELU forward and backward, causal softmax forward and
/// backward, LayerNorm forward and backward, softmax cross-entropy, addition) and the block transposes, in float and in
/// double, at every vector width (128, 256, 512 bits, forced through RowKernels' width parameter; a width the CPU lacks
/// runs in software), against straightforward scalar references written here in double from the very inputs the kernel
/// saw (inputs are rounded to the element type first). Each test prints the width it forced and whether it ran in
/// hardware, and the start-up widths (tests/kernel-widths.sh reruns them under the JIT knobs).
/// </summary>
/// <remarks>
/// Tolerances are in units of the element type's rounding (u = 2⁻²⁴ for float, 2⁻⁵³ for double): float as the float
/// kernels have always had them (FloatKernelTests); double a few tens of u where a reference in double carries rounding
/// of its own. A missing mask, scale, term or lane gives errors of 10⁻³ and more.
/// </remarks>
public unsafe class VectorRowTests
{
    private readonly ITestOutputHelper _output;

    public VectorRowTests(ITestOutputHelper output)
    {
        _output = output;
        _output.WriteLine(SimdWidth.Describe());
    }

    public static TheoryData<int, bool> Widths()
    {
        var data = new TheoryData<int, bool>();
        foreach (int width in new[] { 128, 256, 512 })
        {
            data.Add(width, false);
            data.Add(width, true);
        }
        return data;
    }

    private VectorWidth Path(int width, bool inDouble, string kernel)
    {
        var w = (VectorWidth)width;
        _output.WriteLine($"{kernel}: forced {width}-bit ({(SimdWidth.IsAccelerated(w) ? "hardware" : "software")}), {(inDouble ? "double" : "float")}");
        return w;
    }

    /// <summary>The element type's unit roundoff.</summary>
    private static double U<T>() => typeof(T) == typeof(float) ? Math.Pow(2, -24) : Math.Pow(2, -53);

    /// <summary>Uniform values in [low, high), rounded to T (so the double reference sees exactly the kernel's inputs).</summary>
    private static double[] Values<T>(Random rng, int n, double low = -1, double high = 1) where T : IFloatingPointIeee754<T>
        => Enumerable.Range(0, n).Select(_ => double.CreateTruncating(T.CreateTruncating(low + (high - low) * rng.NextDouble()))).ToArray();

    private static T[] To<T>(double[] x) where T : IFloatingPointIeee754<T> => x.Select(T.CreateTruncating).ToArray();

    private static double[] Back<T>(T[] x) where T : IFloatingPointIeee754<T> => x.Select(double.CreateTruncating).ToArray();

    private static void Dispatch(bool inDouble, Action<float> inFloat, Action<double> inDoubleAction)
    {
        if (inDouble) inDoubleAction(0);
        else inFloat(0);
    }

    // ── e^x ────────────────────────────────────────────────────────────────────────────────────

    [Theory]
    [MemberData(nameof(Widths))]
    public void Exp_is_within_a_few_ulps_and_stays_finite_at_the_clamps(int width, bool inDouble)
    {
        var w = Path(width, inDouble, "Exp");
        if (inDouble) ExpCheck<double>(w, -708.39, 709, 4 * Math.Pow(2, -52));
        else ExpCheck<float>(w, -87.3, 88.3, 3 * Math.Pow(2, -23));
    }

    private static void ExpCheck<T>(VectorWidth w, double low, double high, double tolerance) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        Func<T, T> exp = w switch
        {
            VectorWidth.W128 => typeof(T) == typeof(float) ? (Func<T, T>)(object)new Func<float, float>(VectorRows<float, Vector128<float>, F128>.Exp) : (Func<T, T>)(object)new Func<double, double>(VectorRows<double, Vector128<double>, D128>.Exp),
            VectorWidth.W256 => typeof(T) == typeof(float) ? (Func<T, T>)(object)new Func<float, float>(VectorRows<float, Vector256<float>, F256>.Exp) : (Func<T, T>)(object)new Func<double, double>(VectorRows<double, Vector256<double>, D256>.Exp),
            _ => typeof(T) == typeof(float) ? (Func<T, T>)(object)new Func<float, float>(VectorRows<float, Vector512<float>, F512>.Exp) : (Func<T, T>)(object)new Func<double, double>(VectorRows<double, Vector512<double>, D512>.Exp),
        };
        var rng = new Random(7);
        var xs = Enumerable.Range(0, 4000).Select(_ => low + (high - low) * rng.NextDouble())
            .Concat(new[] { low, high, 0, -0.5, 0.5, 1, -1, 1e-10, -1e-10 }).Select(T.CreateTruncating);
        foreach (T x in xs)
        {
            double want = Math.Exp(double.CreateTruncating(x)), got = double.CreateTruncating(exp(x));
            Assert.True(Math.Abs(got - want) <= tolerance * want, $"e^{x}: expected {want:R}, got {got:R}");
        }
        // Past the clamps: finite, positive, tiny or huge; NaN stays NaN.
        double below = double.CreateTruncating(exp(T.CreateTruncating(typeof(T) == typeof(float) ? -1000 : -10000)));
        Assert.True(below > 0 && below < (typeof(T) == typeof(float) ? 1e-37 : 1e-307), $"{below}");
        Assert.True(T.IsFinite(exp(T.CreateTruncating(1e30))));
        Assert.True(T.IsNaN(exp(T.NaN)));
    }

    // ── GELU ───────────────────────────────────────────────────────────────────────────────────

    [Theory]
    [MemberData(nameof(Widths))]
    public void Gelu_forward_and_backward_match_the_tanh_formula(int width, bool inDouble)
    {
        var w = Path(width, inDouble, "Gelu");
        Dispatch(inDouble, _ => GeluCheck<float>(w, 5e-7), _ => GeluCheck<double>(w, 64 * U<double>()));
    }

    private static void GeluCheck<T>(VectorWidth w, double tolerance) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const double K = 0.79788456080286535588, C = 0.044715;
        foreach (int n in new[] { 1, 3, 8, 15, 17, 33, 203, 40_000 })
        {
            var rng = new Random(n);
            double[] x = Values<T>(rng, n, -9, 9), g = Values<T>(rng, n), start = Values<T>(rng, n);
            var y = new T[n];
            RowKernels.Gelu<T>(To<T>(x), y, w);
            double[] want = x.Select(v => 0.5 * v * (1 + Math.Tanh(K * (v + C * v * v * v)))).ToArray();
            AssertClose(want, Back(y), tolerance);

            T[] into = To<T>(start);
            RowKernels.GeluBackward<T>(To<T>(g), To<T>(x), into, w);
            double[] wantInto = x.Select((v, i) =>
            {
                // 1 − tanh² u as 1 / cosh² u: no cancellation where tanh u rounds to ±1 (|x| ≳ 5).
                double u = K * (v + C * v * v * v), sech = 1 / Math.Cosh(u);
                return start[i] + g[i] * (0.5 * (1 + Math.Tanh(u)) + 0.5 * v * sech * sech * K * (1 + 3 * C * v * v));
            }).ToArray();
            AssertClose(wantInto, Back(into), tolerance);

            // Written (a first contribution): what accumulating into zeros gives, bit for bit, whatever into held.
            var zeros = new T[n];
            RowKernels.GeluBackward<T>(To<T>(g), To<T>(x), zeros, w);
            T[] written = Enumerable.Range(0, n).Select(i => T.CreateTruncating(1e6 + i)).ToArray();
            RowKernels.GeluBackward<T>(To<T>(g), To<T>(x), written, w, overwrite: true);
            Assert.Equal(zeros, written);
        }
    }

    // ── GELU of a biased row ──────────────────────────────────────────────────────────────────

    [Theory]
    [MemberData(nameof(Widths))]
    public void BiasGelu_forward_and_backward_are_the_unfused_kernels_bit_for_bit(int width, bool inDouble)
    {
        var w = Path(width, inDouble, "BiasGelu");
        Dispatch(inDouble, _ => BiasGeluCheck<float>(w), _ => BiasGeluCheck<double>(w));
    }

    /// <summary>
    /// gelu(x + b) against RowKernels.Add then RowKernels.Gelu at the same width; the backward against GeluBackward of x + b
    /// into zeros, then that added into x̄ and summed into b̄ row after row (what the unfused adjoints do) — bit for bit, for
    /// row lengths with and without a partial vector, and sizes split over both cores (by rows forward, by columns backward).
    /// </summary>
    private static void BiasGeluCheck<T>(VectorWidth w) where T : unmanaged, IFloatingPointIeee754<T>
    {
        foreach (var (rows, n) in new[] { (1, 1), (3, 3), (2, 8), (5, 15), (4, 17), (7, 33), (3, 203), (70, 512), (33, 1023), (300, 130) })
        {
            var rng = new Random(rows * 1000 + n);
            int count = rows * n;
            T[] x = To<T>(Values<T>(rng, count, -6, 6)), b = To<T>(Values<T>(rng, n, -2, 2)), g = To<T>(Values<T>(rng, count));
            T[] startX = To<T>(Values<T>(rng, count)), startB = To<T>(Values<T>(rng, n));

            var pre = new T[count];
            RowKernels.Add<T>(x, b, pre, n, w);
            var want = new T[count];
            RowKernels.Gelu<T>(pre, want, w);
            var got = new T[count];
            RowKernels.BiasGelu<T>(x, b, got, w);
            Assert.Equal(want, got);

            var masked = new T[count];
            RowKernels.GeluBackward<T>(g, pre, masked, w);
            T[] wantX = startX.ToArray(), wantB = startB.ToArray();
            for (int i = 0; i < count; i++) wantX[i] += masked[i];
            for (int r = 0; r < rows; r++)
                for (int j = 0; j < n; j++) wantB[j] += masked[r * n + j];

            T[] intoX = startX.ToArray(), intoB = startB.ToArray();
            RowKernels.BiasGeluBackward<T>(g, x, b, intoX, intoB, w, overwrite: false);
            Assert.Equal(wantX, intoX);
            Assert.Equal(wantB, intoB);

            // Written: x̄ = ĝ whatever it held; b̄ still added to. And either target alone.
            T[] writtenX = Enumerable.Range(0, count).Select(i => T.CreateTruncating(1e6 + i)).ToArray();
            intoB = startB.ToArray();
            RowKernels.BiasGeluBackward<T>(g, x, b, writtenX, intoB, w, overwrite: true);
            Assert.Equal(masked, writtenX);
            Assert.Equal(wantB, intoB);
            intoB = startB.ToArray();
            RowKernels.BiasGeluBackward<T>(g, x, b, Span<T>.Empty, intoB, w, overwrite: false);
            Assert.Equal(wantB, intoB);
            intoX = startX.ToArray();
            RowKernels.BiasGeluBackward<T>(g, x, b, intoX, Span<T>.Empty, w, overwrite: false);
            Assert.Equal(wantX, intoX);
        }
    }

    // ── causal softmax ─────────────────────────────────────────────────────────────────────────

    [Theory]
    [MemberData(nameof(Widths))]
    public void CausalSoftmax_forward_and_backward_match_the_row_formulas(int width, bool inDouble)
    {
        var w = Path(width, inDouble, "CausalSoftmax");
        Dispatch(inDouble, _ => CausalCheck<float>(w, 1e-6), _ => CausalCheck<double>(w, 1e-13));
    }

    private static void CausalCheck<T>(VectorWidth w, double tolerance) where T : unmanaged, IFloatingPointIeee754<T>
    {
        foreach (int t in new[] { 1, 5, 8, 13, 16, 19, 64, 67 })
        {
            var rng = new Random(200 + t);
            int count = 3 * t * t;
            double[] s = Values<T>(rng, count, -6, 6), g = Values<T>(rng, count), start = Values<T>(rng, count);
            // Masked scores and gradients hold NaN and ∞: they must never be read into a visible position.
            for (int m = 0; m < 3; m++)
                for (int i = 0; i < t; i++)
                    for (int j = i + 1; j < t; j++)
                    {
                        s[(m * t + i) * t + j] = j % 2 == 0 ? double.NaN : double.PositiveInfinity;
                        g[(m * t + i) * t + j] = double.NaN;
                    }
            double scale = double.CreateTruncating(T.CreateTruncating(0.35));
            var y = new T[count];
            RowKernels.CausalSoftmax<T>(To<T>(s), T.CreateTruncating(scale), y, t, w);
            var want = new double[count];
            var wantInto = (double[])start.Clone();
            double[] yGot = Back(y);
            for (int row = 0; row < 3 * t; row++)
            {
                int at = row * t, visible = row % t + 1;
                double max = Enumerable.Range(0, visible).Max(j => scale * s[at + j]);
                double sum = Enumerable.Range(0, visible).Sum(j => Math.Exp(scale * s[at + j] - max));
                for (int j = 0; j < visible; j++) want[at + j] = Math.Exp(scale * s[at + j] - max) / sum;
                // The backward from the kernel's own y (as the adjoint gets it).
                double dot = Enumerable.Range(0, visible).Sum(j => g[at + j] * yGot[at + j]);
                for (int j = 0; j < visible; j++) wantInto[at + j] += scale * yGot[at + j] * (g[at + j] - dot);
            }
            AssertClose(want, yGot, tolerance);

            // Garbage in y at masked positions too.
            T[] yWithGarbage = y.ToArray();
            for (int row = 0; row < 3 * t; row++) for (int j = row % t + 1; j < t; j++) yWithGarbage[row * t + j] = T.NaN;
            T[] into = To<T>(start);
            RowKernels.CausalSoftmaxBackward<T>(To<T>(g), yWithGarbage, T.CreateTruncating(scale), into, t, w);
            AssertClose(wantInto, Back(into), tolerance);

            // The write form (a gradient's first contribution) over garbage: exactly what adding into zeros gives, 0 where masked.
            T[] added = new T[count], written = Enumerable.Repeat(T.NaN, count).ToArray();
            RowKernels.CausalSoftmaxBackward<T>(To<T>(g), yWithGarbage, T.CreateTruncating(scale), added, t, w);
            RowKernels.CausalSoftmaxBackward<T>(To<T>(g), yWithGarbage, T.CreateTruncating(scale), written, t, w, write: true);
            Assert.Equal(added, written);
        }
    }

    // ── LayerNorm ──────────────────────────────────────────────────────────────────────────────

    [Theory]
    [MemberData(nameof(Widths))]
    public void LayerNorm_forward_and_backward_match_the_row_formulas(int width, bool inDouble)
    {
        var w = Path(width, inDouble, "LayerNorm");
        Dispatch(inDouble, _ => LayerNormCheck<float>(w, 16), _ => LayerNormCheck<double>(w, 64));
    }

    private static void LayerNormCheck<T>(VectorWidth w, double ulps) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const double Eps = 1e-5;
        foreach (int c in new[] { 3, 8, 13, 16, 31, 128, 130 })
        {
            var rng = new Random(300 + c);
            const int Rows = 6;
            double[] x = Values<T>(rng, Rows * c, 2, 5), weight = Values<T>(rng, c, 0.5, 1.5), bias = Values<T>(rng, c);
            double[] g = Values<T>(rng, Rows * c), dx0 = Values<T>(rng, Rows * c), dw0 = Values<T>(rng, c), db0 = Values<T>(rng, c);
            double eps = double.CreateTruncating(T.CreateTruncating(Eps));
            var want = new double[Rows * c];
            double[] dx = (double[])dx0.Clone(), dw = (double[])dw0.Clone(), db = (double[])db0.Clone();
            double conditioning = 0, minStd = double.MaxValue;
            for (int r = 0; r < Rows; r++)
            {
                double[] row = x.Skip(r * c).Take(c).ToArray();
                double mean = row.Average(), rstd = 1 / Math.Sqrt(row.Select(v => (v - mean) * (v - mean)).Average() + eps);
                conditioning = Math.Max(conditioning, row.Max(Math.Abs) * rstd);
                minStd = Math.Min(minStd, 1 / rstd);
                double[] normalized = row.Select(v => (v - mean) * rstd).ToArray();
                double[] scaled = Enumerable.Range(0, c).Select(i => g[r * c + i] * weight[i]).ToArray();
                double meanG = scaled.Average(), meanGx = scaled.Select((v, i) => v * normalized[i]).Average();
                for (int i = 0; i < c; i++)
                {
                    want[r * c + i] = normalized[i] * weight[i] + bias[i];
                    dx[r * c + i] += rstd * (scaled[i] - meanG - normalized[i] * meanGx);
                    dw[i] += g[r * c + i] * normalized[i];
                    db[i] += g[r * c + i];
                }
            }
            // Rounding of x − μ is a few units of max |x|, which normalising divides by σ.
            double tolerance = ulps * U<T>() * conditioning;
            var y = new T[Rows * c];
            RowKernels.LayerNorm<T>(To<T>(x), To<T>(weight), To<T>(bias), T.CreateTruncating(eps), y, c, w);
            AssertClose(want, Back(y), tolerance);

            T[] dxGot = To<T>(dx0), dwGot = To<T>(dw0), dbGot = To<T>(db0);
            RowKernels.LayerNormBackward<T>(To<T>(g), To<T>(x), To<T>(weight), T.CreateTruncating(eps), dxGot, dwGot, dbGot, c, w);
            AssertClose(dx, Back(dxGot), tolerance / minStd);
            AssertClose(dw, Back(dwGot), tolerance * Rows);
            AssertClose(db, Back(dbGot), 8 * Rows * U<T>());

            // Without dx: the parameter gradients alone are the same.
            T[] dwAlone = To<T>(dw0);
            RowKernels.LayerNormBackward<T>(To<T>(g), To<T>(x), To<T>(weight), T.CreateTruncating(eps), default, dwAlone, default, c, w);
            Assert.Equal(dwGot, dwAlone);

            // Written (dx's first contribution): what adding into zeros gives, bit for bit, whatever dx held — with one
            // row of ∂L/∂y all −0, whose terms are −0 where x̂ > 0 (+0 once added to zeros).
            T[] gz = To<T>(g);
            Array.Fill(gz, T.NegativeZero, 0, c);
            T[] zeros = new T[Rows * c], dwZeros = To<T>(dw0);
            RowKernels.LayerNormBackward<T>(gz, To<T>(x), To<T>(weight), T.CreateTruncating(eps), zeros, dwZeros, default, c, w);
            T[] written = Enumerable.Range(0, Rows * c).Select(i => T.CreateTruncating(1e6 + i)).ToArray(), dwWritten = To<T>(dw0);
            RowKernels.LayerNormBackward<T>(gz, To<T>(x), To<T>(weight), T.CreateTruncating(eps), written, dwWritten, default, c, w, write: true);
            Assert.Equal(zeros.Select(OverwriteTests.Bits), written.Select(OverwriteTests.Bits));
            Assert.Equal(dwZeros.Select(OverwriteTests.Bits), dwWritten.Select(OverwriteTests.Bits));
        }
    }

    // ── softmax cross-entropy ──────────────────────────────────────────────────────────────────

    [Theory]
    [MemberData(nameof(Widths))]
    public void SoftmaxCrossEntropy_loss_and_gradient_match_the_row_formulas(int width, bool inDouble)
    {
        var w = Path(width, inDouble, "SoftmaxCrossEntropy");
        Dispatch(inDouble, _ => CrossEntropyCheck<float>(w, 1e-6), _ => CrossEntropyCheck<double>(w, 1e-13));
    }

    private static void CrossEntropyCheck<T>(VectorWidth w, double tolerance) where T : unmanaged, IFloatingPointIeee754<T>
    {
        foreach (var (rows, classes) in new[] { (7, 1), (7, 5), (7, 8), (7, 17), (7, 259), (40, 1000) }) // 40 × 1000: rows on both cores
        {
            var rng = new Random(400 + classes);
            double[] z = Values<T>(rng, rows * classes, -8, 8), start = Values<T>(rng, rows * classes);
            int[] targets = Enumerable.Range(0, rows).Select(_ => rng.Next(classes)).ToArray();
            double scale = double.CreateTruncating(T.CreateTruncating(0.75 / rows));
            double loss = 0;
            double[] wantInto = (double[])start.Clone();
            for (int r = 0; r < rows; r++)
            {
                double[] row = z.Skip(r * classes).Take(classes).ToArray();
                double max = row.Max(), sum = row.Sum(v => Math.Exp(v - max));
                loss += max + Math.Log(sum) - row[targets[r]];
                for (int i = 0; i < classes; i++) wantInto[r * classes + i] += scale * (Math.Exp(row[i] - max) / sum - (i == targets[r] ? 1 : 0));
            }
            loss /= rows;
            T got = RowKernels.CrossEntropy<T>(To<T>(z), targets, rows, classes, T.Zero, default, wantLoss: true, w);
            AssertClose(loss, double.CreateTruncating(got), tolerance);

            T[] into = To<T>(start);
            T both = RowKernels.CrossEntropy<T>(To<T>(z), targets, rows, classes, T.CreateTruncating(scale), into, wantLoss: true, w);
            Assert.Equal(got, both);
            AssertClose(wantInto, Back(into), tolerance);
        }
    }

    // ── addition and transposes (exact) ────────────────────────────────────────────────────────

    [Theory]
    [MemberData(nameof(Widths))]
    public void Additions_are_exact_for_same_shapes_and_biases_over_rows(int width, bool inDouble)
    {
        var w = Path(width, inDouble, "Add");
        Dispatch(inDouble, _ => AddCheck<float>(w), _ => AddCheck<double>(w));
    }

    private static void AddCheck<T>(VectorWidth w) where T : unmanaged, IFloatingPointIeee754<T>
    {
        foreach (var (rows, length) in new[] { (1, 7), (3, 17), (300, 128), (64, 513) }) // the last two on both cores
        {
            var rng = new Random(rows + length);
            T[] a = To<T>(Values<T>(rng, rows * length)), b = To<T>(Values<T>(rng, rows * length)), bias = To<T>(Values<T>(rng, length));
            var sum = new T[a.Length];
            RowKernels.Add<T>(a, b, sum, 0, w);
            for (int i = 0; i < a.Length; i++) Assert.Equal(a[i] + b[i], sum[i]);
            var right = new T[a.Length];
            var left = new T[a.Length];
            RowKernels.Add<T>(a, bias, right, length, w);
            RowKernels.Add<T>(bias, a, left, length, w);
            for (int i = 0; i < a.Length; i++)
            {
                Assert.Equal(a[i] + bias[i % length], right[i]);
                Assert.Equal(a[i] + bias[i % length], left[i]);
            }
        }
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 3)]
    [InlineData(4, 4)]
    [InlineData(9, 13)]
    [InlineData(16, 40)]
    [InlineData(67, 130)]
    public void Double_transpose_in_blocks_is_exact_with_edges(int m, int n)
    {
        _output.WriteLine($"double blocks of {BlockTranspose.BlockSize<double>()} (start-up ISA)");
        var rng = new Random(500 + m + n);
        double[] x = Values<double>(rng, m * n), start = Values<double>(rng, m * n);
        var y = new double[m * n];
        double[] into = (double[])start.Clone();
        MatrixKernels.Transpose<double>(x, y, m, n);
        MatrixKernels.TransposeAccumulate<double>(x, into, m, n);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                Assert.Equal(x[i * n + j], y[j * m + i]);
                Assert.Equal(start[j * m + i] + x[i * n + j], into[j * m + i]);
            }
    }

    [Theory]
    [InlineData(false, new[] { 2, 3, 9, 13 })]
    [InlineData(true, new[] { 2, 3, 9, 13 })]
    [InlineData(false, new[] { 4, 4, 64, 32 })]
    [InlineData(true, new[] { 1, 67, 130 })]
    [InlineData(false, new[] { 5, 1, 7 })]
    [InlineData(true, new[] { 16, 8 })]
    public void Swapping_the_last_two_axes_moves_every_element_exactly(bool inDouble, int[] shape)
    {
        // Attention's kᵀ ([B, NH, T, hs] → [B, NH, hs, T]) runs as a batch of block transposes; the blocks are the ISA's
        // (tests/kernel-widths.sh runs this under AVX, SSE-only and AVX-off), the edges scalar.
        _output.WriteLine($"{(inDouble ? "double" : "float")} blocks of {(inDouble ? BlockTranspose.BlockSize<double>() : BlockTranspose.BlockSize<float>())} (start-up ISA, block transposes {(BlockTranspose.IsSupported ? "on" : "off")})");
        if (inDouble) SwapsExactly<double>(shape);
        else SwapsExactly<float>(shape);
    }

    private static void SwapsExactly<T>(int[] shape) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Random(shape.Sum());
        int rank = shape.Length, m = shape[rank - 2], n = shape[rank - 1], count = shape.Aggregate(1, (a, b) => a * b);
        T[] x = To<T>(Values<T>(rng, count)), dy = To<T>(Values<T>(rng, count)), start = To<T>(Values<T>(rng, count));
        var swappedShape = shape.ToArray();
        (swappedShape[rank - 2], swappedShape[rank - 1]) = (n, m);
        var tensor = Tensor.Create(x, Lengths(shape));
        T[] y = Ops.TransposeAxes(tensor, rank - 2, rank - 1).ToArray();
        T[] permuted = Ops.Permute(tensor, Enumerable.Range(0, rank).Select(d => d < rank - 2 ? d : 2 * rank - 3 - d).ToArray()).ToArray();
        var accumulated = Tensor.Create(start.ToArray(), Lengths(shape));
        Adjoint.TransposeAxes(Tensor.Create(dy, Lengths(swappedShape)), rank - 2, rank - 1, accumulated);
        var overwritten = Tensor.Create(start.ToArray(), Lengths(shape));
        Adjoint.TransposeAxes(Tensor.Create(dy, Lengths(swappedShape)), rank - 2, rank - 1, overwritten, overwrite: true);
        T[] sum = accumulated.ToArray(), set = overwritten.ToArray();
        for (int batch = 0; batch < count / (m * n); batch++)
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    int source = (batch * m + i) * n + j, target = (batch * n + j) * m + i;
                    Assert.Equal(x[source], y[target]);
                    Assert.Equal(x[source], permuted[target]);
                    Assert.Equal(start[source] + dy[target], sum[source]);
                    Assert.Equal(dy[target], set[source]);
                }
    }

    // ── double through the public ops (the start-up width) ─────────────────────────────────────

    [Fact]
    public void Double_ops_as_a_user_calls_them_take_the_vector_kernels_and_match_them()
    {
        _output.WriteLine($"row kernels at the start-up width: {(int)SimdWidth.Rows}-bit");
        Assert.True(RowKernels.Applies<double>());
        var rng = new Random(600);
        var x = Random(rng, new[] { 4, 37 }, -3, 3);
        double[] flat = Flat(x);
        // Each op equals the kernel at the start-up width bit for bit (so the op takes it), which the tests above check.
        var y = new double[flat.Length];
        RowKernels.Gelu<double>(flat, y, SimdWidth.Rows);
        Assert.Equal(y, Flat(Ops.Gelu(x)));
        var w = Random(rng, new[] { 37 }, 0.5, 1.5);
        var b = Random(rng, new[] { 37 });
        RowKernels.LayerNorm<double>(flat, Flat(w), Flat(b), 1e-5, y, 37, SimdWidth.Rows);
        Assert.Equal(y, Flat(Ops.LayerNorm(x, w, b, 1e-5)));
        var s = Random(rng, new[] { 2, 37, 37 }, -3, 3);
        var ys = new double[2 * 37 * 37];
        RowKernels.CausalSoftmax<double>(Flat(s), 0.5, ys, 37, SimdWidth.Rows);
        Assert.Equal(ys, Flat(Ops.CausalSoftmax(s, 0.5)));
        int[] targets = { 1, 5, 36, 0 };
        Assert.Equal(RowKernels.CrossEntropy<double>(flat, targets, 4, 37, 0, default, wantLoss: true, SimdWidth.Rows), Ops.SoftmaxCrossEntropy(x, targets));
    }
}
