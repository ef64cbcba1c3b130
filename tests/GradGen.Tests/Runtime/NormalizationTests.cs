using System;
using System.Linq;
using System.Numerics.Tensors;
using Xunit.Abstractions;
using static GradGen.Tests.Runtime.TestTensors;

namespace GradGen.Tests.Runtime;

/// <summary>LayerNorm over the last axis (biased variance, as llm.c): values and the fused backward's three gradients.</summary>
public class NormalizationTests(ITestOutputHelper output)
{
    private const double Eps = 1e-5;

    /// <summary>The textbook definition, one row at a time, through the indexers.</summary>
    private static double[] Reference(Tensor<double> x, Tensor<double> w, Tensor<double> b)
    {
        double[] flat = Flat(x);
        int c = (int)w.Lengths[0];
        var y = new double[flat.Length];
        for (int offset = 0; offset < flat.Length; offset += c)
        {
            var row = flat.Skip(offset).Take(c).ToArray();
            double mean = row.Average(), variance = row.Select(v => (v - mean) * (v - mean)).Average();
            for (int i = 0; i < c; i++) y[offset + i] = (row[i] - mean) / Math.Sqrt(variance + Eps) * w[i] + b[i];
        }
        return y;
    }

    [Theory]
    [InlineData(new[] { 6 })]
    [InlineData(new[] { 3, 5 })]
    [InlineData(new[] { 2, 3, 4 })]
    [InlineData(new[] { 2, 2, 3, 8 })]
    public void LayerNorm_values_and_gradients(int[] shape)
    {
        var rng = new Random(30);
        int c = shape[^1];
        var x = Random(rng, shape, -2, 2);
        var w = Random(rng, new[] { c }, 0.5, 1.5);
        var b = Random(rng, new[] { c });
        AssertClose(Reference(x, w, b), Flat(Ops.LayerNorm(x, w, b, Eps)), 1e-12);
        var dY = Random(rng, shape);
        double ex = Vjp.Check(t => Ops.LayerNorm(t, w, b, Eps), x, dY, into => Adjoint.LayerNorm(dY, x, w, Eps, into, null, null));
        double ew = Vjp.Check(t => Ops.LayerNorm(x, t, b, Eps), w, dY, into => Adjoint.LayerNorm(dY, x, w, Eps, null, into, null));
        double eb = Vjp.Check(t => Ops.LayerNorm(x, w, t, Eps), b, dY, into => Adjoint.LayerNorm(dY, x, w, Eps, null, null, into));
        output.WriteLine($"LayerNorm {string.Join('x', shape)}: max error dx {ex:E2}, dweight {ew:E2}, dbias {eb:E2}");
    }

    [Fact]
    public void LayerNorm_fills_all_three_gradients_in_one_call()
    {
        var rng = new Random(31);
        var x = Random(rng, new[] { 4, 5 });
        var w = Random(rng, new[] { 5 });
        var dY = Random(rng, new[] { 4, 5 });
        Tensor<double> Zeros(params int[] s) => Filled(s, 0);
        Tensor<double> dx = Zeros(4, 5), dw = Zeros(5), db = Zeros(5);
        Adjoint.LayerNorm(dY, x, w, Eps, dx, dw, db);
        Tensor<double> dx1 = Zeros(4, 5), dw1 = Zeros(5), db1 = Zeros(5);
        Adjoint.LayerNorm(dY, x, w, Eps, dx1, null, null);
        Adjoint.LayerNorm(dY, x, w, Eps, null, dw1, null);
        Adjoint.LayerNorm(dY, x, w, Eps, null, null, db1);
        Assert.Equal(Flat(dx1), Flat(dx));
        Assert.Equal(Flat(dw1), Flat(dw));
        Assert.Equal(Flat(db1), Flat(db));
        AssertClose(Flat(Ops.Sum(dY, 0)), Flat(db), 1e-14);
    }

    /// <summary>
    /// Over both cores (dx by rows, dweight and dbias by columns) the backward gives, bit for bit, what it gives one half
    /// of the rows at a time, sequentially: each row's dx alone, each parameter's gradient summed over the rows in row order
    /// — so the result does not depend on how many cores ran it. Float and double; a row length that is not a whole number
    /// of vectors (the columns' last part ends in a partial vector).
    /// </summary>
    [Theory]
    [InlineData(false, 130)]
    [InlineData(true, 130)]
    [InlineData(true, 64)]
    public void LayerNorm_backward_over_both_cores_equals_it_half_by_half(bool inDouble, int c)
    {
        if (inDouble) Halves<double>(c); else Halves<float>(c);
    }

    private static void Halves<T>(int c) where T : System.Numerics.IFloatingPointIeee754<T>
    {
        const int rows = 600; // the whole past ParallelRows.MinElements (both cores); at c = 64 each half below it (one thread)
        var rng = new Random(c);
        Tensor<T> R(params int[] shape) => Tensor.Create(Enumerable.Range(0, shape.Aggregate(1, (a, b) => a * b)).Select(_ => T.CreateChecked(rng.NextDouble() * 4 - 2)).ToArray(), shape.Select(d => (nint)d).ToArray());
        var x = R(rows, c);
        var w = R(c);
        var dY = R(rows, c);
        T eps = T.CreateChecked(Eps);
        Tensor<T> dx = R(rows, c), dw = R(c), db = R(c);
        Tensor<T> dx2 = Ops.Add(dx, T.Zero), dw2 = Ops.Add(dw, T.Zero), db2 = Ops.Add(db, T.Zero);
        Adjoint.LayerNorm(dY, x, w, eps, dx, dw, db);
        foreach (int start in new[] { 0, rows / 2 })
        {
            Tensor<T> Half(Tensor<T> t) => Ops.Add(Ops.Slice(t, 0, start, rows / 2), T.Zero); // a dense copy of the rows
            var part = Half(dx2);
            Adjoint.LayerNorm(Half(dY), Half(x), w, eps, part, dw2, db2);
            Ops.AsSpan(part).CopyTo(Ops.AsSpan(dx2).Slice(start * c, rows / 2 * c));
        }
        Assert.Equal(Bits(dx2), Bits(dx));
        Assert.Equal(Bits(dw2), Bits(dw));
        Assert.Equal(Bits(db2), Bits(db));
    }

    private static long[] Bits<T>(Tensor<T> t) => t.ToArray().Select(OverwriteTests.Bits).ToArray();

    [Fact]
    public void LayerNorm_rows_have_zero_mean_and_unit_variance_in_float()
    {
        var x = Tensor.Create(Enumerable.Range(0, 32).Select(i => (float)Math.Sin(i) * 3 + 7).ToArray(), new nint[] { 4, 8 });
        var one = Tensor.Create(Enumerable.Repeat(1f, 8).ToArray(), new nint[] { 8 });
        var zero = Tensor.Create(new float[8], new nint[] { 8 });
        float[] y = Flat(Ops.LayerNorm(x, one, zero, 1e-5f));
        for (int r = 0; r < 4; r++)
        {
            var row = y.Skip(8 * r).Take(8).ToArray();
            Assert.Equal(0.0, row.Average(), 5);
            Assert.Equal(1.0, row.Select(v => (double)v * v).Average(), 3);
        }
    }

    [Fact]
    public void LayerNorm_rejects_a_weight_that_is_not_the_last_dimension()
    {
        var x = Filled(new[] { 2, 3 }, 0);
        var error = Assert.Throws<ArgumentException>(() => Ops.LayerNorm(x, Filled(new[] { 2 }, 1), Filled(new[] { 3 }, 0), Eps));
        Assert.Contains("LayerNorm: weight [2] must be [C] for x [2, 3]", error.Message);
        error = Assert.Throws<ArgumentException>(() => Ops.LayerNorm(x, Filled(new[] { 3 }, 1), Filled(new[] { 1, 3 }, 0), Eps));
        Assert.Contains("LayerNorm: bias [1, 3]", error.Message);
        error = Assert.Throws<ArgumentException>(() => Adjoint.LayerNorm(x, x, Filled(new[] { 3 }, 1), Eps, Filled(new[] { 3, 2 }, 0), null, null));
        Assert.Contains("Adjoint.LayerNorm: x [2, 3] and intoX [3, 2] must have the same shape", error.Message);
    }
}
