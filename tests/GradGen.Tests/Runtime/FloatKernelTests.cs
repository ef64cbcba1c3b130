using System;
using System.Linq;
using System.Numerics.Tensors;
using Xunit.Abstractions;
using static GradGen.Tests.Runtime.TestTensors;

namespace GradGen.Tests.Runtime;

/// <summary>
/// The float vector kernels (at the start-up width, <c>SimdWidth.Rows</c>: 512 bits with AVX-512, 256 with AVX2, 128 on
/// ARM64 and SSE — each test prints which; tests/kernel-widths.sh reruns them under the JIT knobs) against the double
/// kernels on the same float inputs: GELU's one-pass kernels with their own e^x, the LayerNorm and causal-softmax row
/// kernels, softmax cross-entropy, transposes, additions. The double kernels are checked against scalar references at
/// every width in <see cref="VectorRowTests"/>, and by finite differences elsewhere. Lengths around the vector width
/// exercise the partial vectors and scalar tails; above 32K elements the work runs in chunks on both cores and must give
/// exactly what a lone call per element gives.
/// </summary>
public class FloatKernelTests
{
    public FloatKernelTests(ITestOutputHelper output) => output.WriteLine(SimdWidth.Describe());

    private static Tensor<float> ToFloat(Tensor<double> t) => Tensor.Create(Flat(t).Select(v => (float)v).ToArray(), t.Lengths);

    /// <summary>The float inputs widened exactly, so the double path sees the very values the float path saw.</summary>
    private static Tensor<double> ToDouble(Tensor<float> t) => Tensor.Create(Flat(t).Select(v => (double)v).ToArray(), t.Lengths);

    private static double[] Widen(Tensor<float> t) => Flat(t).Select(v => (double)v).ToArray();

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(203)]
    [InlineData(40_000)] // ≥ 32K: chunks on both cores
    public void Gelu_float_agrees_with_double_to_float_rounding(int length)
    {
        var rng = new Random(90 + length);
        var xf = ToFloat(Random(rng, new[] { length }, -9, 9));
        var x = ToDouble(xf);
        // |gelu(x)| ≤ |x| and both terms of gelu′ are O(1): an error of a few float ulps of 1 is float rounding.
        AssertClose(Flat(Ops.Gelu(x)), Widen(Ops.Gelu(xf)), 5e-7);

        var dYf = ToFloat(Random(rng, new[] { length }));
        var startf = ToFloat(Random(rng, new[] { length }));
        var into = ToDouble(startf);
        Adjoint.Gelu(ToDouble(dYf), x, into);
        Adjoint.Gelu(dYf, xf, startf);
        AssertClose(Flat(into), Widen(startf), 5e-7);
    }

    [Fact]
    public void Gelu_float_handles_tails_zeros_and_nan()
    {
        float[] values = { 0f, -0f, 1e-30f, -1e-30f, 30f, -30f, 100f, -100f, 1e6f, -1e6f, float.NaN, 3f };
        var xf = Tensor.Create(values, new nint[] { values.Length });
        float[] y = Flat(Ops.Gelu(xf));
        Assert.Equal(0f, y[0]);
        Assert.Equal(5e-31f, y[2], 1e-36f);
        Assert.Equal(30f, y[4]);
        Assert.Equal(0f, y[5], 1e-30f);
        Assert.Equal(100f, y[6]);
        Assert.Equal(0f, y[7], 1e-30f);
        Assert.Equal(1e6f, y[8]);
        Assert.Equal(0f, y[9], 1e-30f);
        Assert.True(float.IsNaN(y[10]));
        Assert.Equal((float)(0.5 * 3 * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (3 + 0.044715 * 27)))), y[11], 1e-6f);

        var into = Tensor.Create(new float[values.Length], new nint[] { values.Length });
        Adjoint.Gelu(Tensor.Create(Enumerable.Repeat(1f, values.Length).ToArray(), new nint[] { values.Length }), xf, into);
        float[] d = Flat(into);
        Assert.Equal(0.5f, d[0]);
        Assert.Equal(1f, d[4]);
        Assert.Equal(0f, d[5], 1e-30f);
        Assert.Equal(1f, d[8]);
        Assert.Equal(0f, d[9], 1e-30f);
        Assert.True(float.IsNaN(d[10]));
        Assert.All(d.Where((_, i) => i != 10), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void Gelu_float_in_chunks_equals_gelu_element_by_element()
    {
        const int Length = 70_001; // chunked on two threads, with a partial vector at the end
        var xf = ToFloat(Random(new Random(95), new[] { Length }, -6, 6));
        var gf = ToFloat(Random(new Random(96), new[] { Length }));
        float[] y = Flat(Ops.Gelu(xf));
        var into = Tensor.Create(new float[Length], new nint[] { Length });
        Adjoint.Gelu(gf, xf, into);
        float[] d = Flat(into);
        float[] x = Flat(xf), g = Flat(gf);
        for (int i = 0; i < Length; i += 997)
        {
            var one = Tensor.Create(new[] { x[i] }, new nint[] { 1 });
            Assert.Equal(Flat(Ops.Gelu(one))[0], y[i]);
            var oneInto = Tensor.Create(new float[1], new nint[] { 1 });
            Adjoint.Gelu(Tensor.Create(new[] { g[i] }, new nint[] { 1 }), one, oneInto);
            Assert.Equal(Flat(oneInto)[0], d[i]);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(8)]
    [InlineData(13)]
    [InlineData(64)]
    [InlineData(67)]
    public void CausalSoftmax_float_forward_and_backward_agree_with_double(int t)
    {
        var rng = new Random(100 + t);
        int[] shape = { 2, 3, t, t };
        var sf = ToFloat(Random(rng, shape, -6, 6));
        float scale = 1f / MathF.Sqrt(8);
        var yf = Ops.CausalSoftmax(sf, scale);
        var y = Ops.CausalSoftmax(ToDouble(sf), (double)scale);
        AssertClose(Flat(y), Widen(yf), 1e-6);

        var gf = ToFloat(Random(rng, shape));
        var startf = ToFloat(Random(rng, shape));
        var into = ToDouble(startf);
        Adjoint.CausalSoftmax(ToDouble(gf), ToDouble(yf), (double)scale, into);
        Adjoint.CausalSoftmax(gf, yf, scale, startf);
        AssertClose(Flat(into), Widen(startf), 1e-6);
    }

    [Fact]
    public void CausalSoftmax_float_never_uses_masked_scores_or_gradients()
    {
        const int T = 19; // full vectors that cover masked positions, and a scalar tail in the last rows
        var rng = new Random(110);
        var s = Flat(ToFloat(Random(rng, new[] { T, T }, -3, 3)));
        var g = Flat(ToFloat(Random(rng, new[] { T, T })));
        var yMasked = Flat(ToFloat(Random(rng, new[] { T, T })));
        for (int i = 0; i < T; i++)
        {
            for (int j = i + 1; j < T; j++)
            {
                s[i * T + j] = j % 2 == 0 ? float.NaN : float.PositiveInfinity;
                g[i * T + j] = float.NaN;
            }
        }
        var y = Ops.CausalSoftmax(Tensor.Create(s, new nint[] { T, T }), 0.5f);
        float[] values = Flat(y);
        Assert.All(values, v => Assert.True(float.IsFinite(v)));
        for (int i = 0; i < T; i++)
        {
            Assert.Equal(1.0, values.Skip(i * T).Take(i + 1).Sum(v => (double)v), 5);
            Assert.All(values.Skip(i * T + i + 1).Take(T - i - 1), v => Assert.Equal(0f, v));
        }

        // The backward with NaN upstream and garbage y at masked positions: they must not leak into visible positions.
        float[] yWithGarbage = values.ToArray();
        for (int i = 0; i < T; i++) for (int j = i + 1; j < T; j++) yWithGarbage[i * T + j] = float.NaN;
        var into = Tensor.Create(new float[T * T], new nint[] { T, T });
        Adjoint.CausalSoftmax(Tensor.Create(g, new nint[] { T, T }), Tensor.Create(yWithGarbage, new nint[] { T, T }), 0.5f, into);
        float[] d = Flat(into);
        for (int i = 0; i < T; i++)
        {
            for (int j = 0; j < T; j++)
            {
                if (j <= i) Assert.True(float.IsFinite(d[i * T + j]), $"[{i}, {j}] = {d[i * T + j]}");
                else Assert.Equal(0f, d[i * T + j]);
            }
        }
    }

    [Theory]
    [InlineData(3)]
    [InlineData(8)]
    [InlineData(13)]
    [InlineData(128)]
    [InlineData(130)]
    public void LayerNorm_float_forward_and_backward_agree_with_double(int c)
    {
        var rng = new Random(120 + c);
        int[] shape = { 2, 5, c };
        var xf = ToFloat(Random(rng, shape, 2, 5)); // mean away from 0: the centring must happen before the squares
        var wf = ToFloat(Random(rng, new[] { c }, 0.5, 1.5));
        var bf = ToFloat(Random(rng, new[] { c }));
        var x = ToDouble(xf);
        var w = ToDouble(wf);
        // Float rounding of x − μ is a few ulps of max |x|, which normalising divides by σ: the tolerance scales with
        // the rows' conditioning max |x| / σ (a few units here; 16 float ulps per unit).
        double[] flat = Flat(x);
        double minStd = Enumerable.Range(0, flat.Length / c).Select(r => flat.Skip(r * c).Take(c).ToArray())
            .Min(row => Math.Sqrt(row.Select(v => (v - row.Average()) * (v - row.Average())).Average() + 1e-5));
        double conditioning = flat.Max(Math.Abs) / minStd, ulps = 16 * Math.Pow(2, -24) * conditioning;
        AssertClose(Flat(Ops.LayerNorm(x, w, ToDouble(bf), 1e-5)), Widen(Ops.LayerNorm(xf, wf, bf, 1e-5f)), ulps);

        var gf = ToFloat(Random(rng, shape));
        var dxf = ToFloat(Random(rng, shape));
        var dwf = ToFloat(Random(rng, new[] { c }));
        var dbf = ToFloat(Random(rng, new[] { c }));
        Tensor<double> dx = ToDouble(dxf), dw = ToDouble(dwf), db = ToDouble(dbf);
        Adjoint.LayerNorm(ToDouble(gf), x, w, 1e-5, dx, dw, db);
        Adjoint.LayerNorm(gf, xf, wf, 1e-5f, dxf, dwf, dbf);
        // x̄ scales with rstd = 1/σ once more.
        AssertClose(Flat(dx), Widen(dxf), ulps / minStd);
        AssertClose(Flat(dw), Widen(dwf), ulps);
        AssertClose(Flat(db), Widen(dbf), 1e-6);

        // One gradient at a time gives the same as all three together.
        var dx1 = Tensor.Create(new float[dxf.FlattenedLength], xf.Lengths);
        var dw1 = Tensor.Create(new float[c], new nint[] { c });
        Adjoint.LayerNorm(gf, xf, wf, 1e-5f, dx1, null, null);
        Adjoint.LayerNorm(gf, xf, wf, 1e-5f, null, dw1, null);
        var dxBoth = Tensor.Create(new float[dxf.FlattenedLength], xf.Lengths);
        var dwBoth = Tensor.Create(new float[c], new nint[] { c });
        Adjoint.LayerNorm(gf, xf, wf, 1e-5f, dxBoth, dwBoth, null);
        Assert.Equal(Flat(dxBoth), Flat(dx1));
        Assert.Equal(Flat(dwBoth), Flat(dw1));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(7, 3)]
    [InlineData(8, 8)]
    [InlineData(13, 21)]
    [InlineData(16, 40)]
    [InlineData(256, 128)]
    public void Transpose_float_in_blocks_is_exact_with_edges(int m, int n)
    {
        var rng = new Random(130 + m + n);
        var xf = ToFloat(Random(rng, new[] { m, n }));
        float[] x = Flat(xf);
        float[] y = Flat(Ops.Transpose(xf));
        var startf = ToFloat(Random(rng, new[] { m, n }));
        float[] start = Flat(startf);
        Adjoint.Transpose(Ops.Transpose(xf), startf); // += (xᵀ)ᵀ = x
        float[] accumulated = Flat(startf);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                Assert.Equal(x[i * n + j], y[j * m + i]);
                Assert.Equal(start[i * n + j] + x[i * n + j], accumulated[i * n + j]);
            }
        }
    }

    [Fact]
    public void TransposeAxes_of_heads_copies_and_accumulates_runs_exactly()
    {
        // [B, T, NH, hs] ↔ [B, NH, T, hs]: the last axis stays last, so rows of hs move whole.
        var xf = ToFloat(Random(new Random(140), new[] { 2, 5, 3, 4 }));
        float[] x = Flat(xf);
        float[] y = Flat(Ops.TransposeAxes(xf, 1, 2));
        var into = ToFloat(Random(new Random(141), new[] { 2, 5, 3, 4 }));
        float[] start = Flat(into);
        Adjoint.TransposeAxes(Ops.TransposeAxes(xf, 1, 2), 1, 2, into);
        float[] accumulated = Flat(into);
        for (int b = 0; b < 2; b++)
            for (int t = 0; t < 5; t++)
                for (int h = 0; h < 3; h++)
                    for (int e = 0; e < 4; e++)
                    {
                        int source = ((b * 5 + t) * 3 + h) * 4 + e;
                        Assert.Equal(x[source], y[((b * 3 + h) * 5 + t) * 4 + e]);
                        Assert.Equal(start[source] + x[source], accumulated[source]);
                    }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(8)]
    [InlineData(10)]
    [InlineData(256)]
    [InlineData(259)]
    public void SoftmaxCrossEntropy_float_loss_and_gradient_agree_with_double(int classes)
    {
        var rng = new Random(150 + classes);
        const int Rows = 7;
        var zf = ToFloat(Random(rng, new[] { Rows, classes }, -8, 8));
        int[] targets = Enumerable.Range(0, Rows).Select(_ => rng.Next(classes)).ToArray();
        AssertClose(Ops.SoftmaxCrossEntropy(ToDouble(zf), targets), Ops.SoftmaxCrossEntropy(zf, targets), 1e-6);

        var startf = ToFloat(Random(rng, new[] { Rows, classes }));
        var into = ToDouble(startf);
        Adjoint.SoftmaxCrossEntropy(0.75, ToDouble(zf), targets, into);
        Adjoint.SoftmaxCrossEntropy(0.75f, zf, targets, startf);
        AssertClose(Flat(into), Widen(startf), 1e-6);
    }

    [Fact]
    public void Row_kernels_on_both_cores_equal_the_same_rows_one_matrix_at_a_time()
    {
        // [4, 4, 64, 64] and [300, 128] are above the 32K elements from which rows are split over cores; each matrix or
        // row alone is below it. Results must be identical, not merely close.
        var rng = new Random(160);
        var sf = ToFloat(Random(rng, new[] { 16, 64, 64 }, -4, 4));
        var gf = ToFloat(Random(rng, new[] { 16, 64, 64 }));
        var y = Ops.CausalSoftmax(sf, 0.3f);
        var into = Tensor.Create(new float[16 * 64 * 64], sf.Lengths);
        Adjoint.CausalSoftmax(gf, y, 0.3f, into);
        float[] s = Flat(sf), g = Flat(gf), yAll = Flat(y), dAll = Flat(into);
        for (int b = 0; b < 16; b++)
        {
            var one = Tensor.Create(s.Skip(b * 4096).Take(4096).ToArray(), new nint[] { 64, 64 });
            var yOne = Ops.CausalSoftmax(one, 0.3f);
            Assert.Equal(yAll.Skip(b * 4096).Take(4096), Flat(yOne));
            var dOne = Tensor.Create(new float[4096], new nint[] { 64, 64 });
            Adjoint.CausalSoftmax(Tensor.Create(g.Skip(b * 4096).Take(4096).ToArray(), new nint[] { 64, 64 }), yOne, 0.3f, dOne);
            Assert.Equal(dAll.Skip(b * 4096).Take(4096), Flat(dOne));
        }

        var xf = ToFloat(Random(rng, new[] { 300, 128 }, -2, 3));
        var wf = ToFloat(Random(rng, new[] { 128 }));
        var bf = ToFloat(Random(rng, new[] { 128 }));
        float[] x = Flat(xf), ln = Flat(Ops.LayerNorm(xf, wf, bf, 1e-5f));
        for (int r = 0; r < 300; r += 7)
        {
            var row = Tensor.Create(x.Skip(r * 128).Take(128).ToArray(), new nint[] { 1, 128 });
            Assert.Equal(ln.Skip(r * 128).Take(128), Flat(Ops.LayerNorm(row, wf, bf, 1e-5f)));
        }
    }

    [Theory]
    [InlineData(new[] { 300, 128 }, new[] { 300, 128 })]   // residual: same shape
    [InlineData(new[] { 300, 128 }, new[] { 128 })]        // bias over rows
    [InlineData(new[] { 128 }, new[] { 300, 128 })]        // bias on the left
    [InlineData(new[] { 2, 150, 128 }, new[] { 150, 128 })] // a repeating block of rows
    [InlineData(new[] { 4, 64, 513 }, new[] { 513 })]       // rows that are not whole vectors
    public void Large_float_additions_on_both_cores_are_exact(int[] aShape, int[] bShape)
    {
        var rng = new Random(170 + aShape.Length);
        var af = ToFloat(Random(rng, aShape));
        var bf = ToFloat(Random(rng, bShape));
        var y = Ops.Add(af, bf);
        float[] a = Flat(af), b = Flat(bf), result = Flat(y);
        int count = Math.Max(a.Length, b.Length);
        Assert.Equal(count, result.Length);
        for (int i = 0; i < count; i++)
        {
            // The sum of two floats is exact in double; rounding it to float is what a float addition must give.
            Assert.Equal((float)((double)a[i % a.Length] + b[i % b.Length]), result[i]);
        }
    }
}
