using System;
using System.Linq;
using System.Numerics.Tensors;
using Xunit.Abstractions;
using static GradGen.Tests.Runtime.TestTensors;

namespace GradGen.Tests.Runtime;

/// <summary>The causal softmax of attention scores: masked entries are zero, never read, and get no gradient.</summary>
public class AttentionTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(new[] { 1, 1 })]          // a single position: its only visible score
    [InlineData(new[] { 4, 4 })]
    [InlineData(new[] { 2, 5, 5 })]
    [InlineData(new[] { 2, 3, 4, 4 })]    // [B, NH, T, T]
    public void CausalSoftmax_values_and_gradient(int[] shape)
    {
        var rng = new Random(60);
        const double scale = 0.35355339059327373; // 1/√8
        var scores = Random(rng, shape, -3, 3);
        var y = Ops.CausalSoftmax(scores, scale);
        int t = shape[^1];
        double[] s = Flat(scores), values = Flat(y);
        for (int offset = 0; offset < s.Length; offset += t * t)
        {
            for (int i = 0; i < t; i++)
            {
                double[] e = Enumerable.Range(0, i + 1).Select(j => Math.Exp(scale * s[offset + i * t + j])).ToArray();
                for (int j = 0; j < t; j++)
                {
                    double expected = j <= i ? e[j] / e.Sum() : 0;
                    Assert.True(Math.Abs(expected - values[offset + i * t + j]) <= 1e-13, $"[{i}, {j}]: {expected} vs {values[offset + i * t + j]}");
                }
            }
        }
        // Row 0 always has a single visible position: its weight is exactly 1.
        Assert.Equal(1.0, values[0]);
        var dY = Random(rng, shape); // non-zero upstream at masked positions too: it must not leak
        double error = Vjp.Check(x => Ops.CausalSoftmax(x, scale), scores, dY, into => Adjoint.CausalSoftmax(dY, y, scale, into));
        output.WriteLine($"CausalSoftmax {string.Join('x', shape)}: max error {error:E2}");
    }

    [Fact]
    public void Masked_scores_are_never_read_and_receive_no_gradient()
    {
        var scores = FromArray(new[] { 0.5, double.NaN, double.NaN, 1.0, 2.0, double.PositiveInfinity, -1.0, 0.0, 1.0 }, 3, 3);
        var y = Ops.CausalSoftmax(scores, 1.0);
        Assert.All(Flat(y), v => Assert.True(double.IsFinite(v)));
        Assert.Equal(new[] { 1.0, 0, 0 }, Flat(y).Take(3));
        var into = Filled(new[] { 3, 3 }, 0);
        Adjoint.CausalSoftmax(Filled(new[] { 3, 3 }, 1), y, 1.0, into);
        double[] g = Flat(into);
        Assert.Equal(0.0, g[1]);
        Assert.Equal(0.0, g[2]);
        Assert.Equal(0.0, g[5]);
        // The single visible position of row 0: softmax of one value is constant, so its gradient is 0.
        Assert.Equal(0.0, g[0]);
    }

    [Fact]
    public void CausalSoftmax_in_float_agrees_with_double()
    {
        var scores = Random(new Random(61), new[] { 2, 6, 6 }, -3, 3);
        var f = Tensor.Create(Flat(scores).Select(v => (float)v).ToArray(), scores.Lengths);
        AssertClose(Flat(Ops.CausalSoftmax(scores, 0.5)), Flat(Ops.CausalSoftmax(f, 0.5f)).Select(v => (double)v).ToArray(), 1e-6);
    }

    [Fact]
    public void CausalSoftmax_needs_square_scores()
    {
        var error = Assert.Throws<ArgumentException>(() => Ops.CausalSoftmax(Filled(new[] { 2, 3, 4 }, 0), 1.0));
        Assert.Contains("CausalSoftmax: scores must be [..., T, T] (rank ≥ 2, square in the last two dimensions), got [2, 3, 4].", error.Message);
        Assert.Throws<ArgumentException>(() => Ops.CausalSoftmax(Filled(new[] { 4 }, 0), 1.0));
        var kernel = Assert.Throws<ArgumentException>(() => Adjoint.CausalSoftmax(Filled(new[] { 3, 3 }, 0), Filled(new[] { 3, 3 }, 0), 1.0, Filled(new[] { 2, 3, 3 }, 0)));
        Assert.Contains("Adjoint.CausalSoftmax", kernel.Message);
    }
}
