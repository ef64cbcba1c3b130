using System;
using System.Linq;
using System.Numerics.Tensors;
using Xunit.Abstractions;
using static GradGen.Tests.Runtime.TestTensors;

namespace GradGen.Tests.Runtime;

/// <summary>GELU (tanh approximation, as GPT-2 / llm.c): values against the formula, gradient against finite differences.</summary>
public class ActivationTests(ITestOutputHelper output)
{
    /// <summary>llm.c's gelu_forward, written out in double.</summary>
    private static double Reference(double x) => 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));

    [Theory]
    [InlineData(new[] { 7 })]
    [InlineData(new[] { 3, 5 })]
    [InlineData(new[] { 2, 3, 4 })]
    [InlineData(new[] { 2, 2, 3, 350 })] // more than one 4096-element block in the backward kernel
    public void Gelu_matches_the_tanh_approximation_and_its_gradient(int[] shape)
    {
        var rng = new Random(20);
        var x = Random(rng, shape, -4, 4);
        AssertClose(Flat(x).Select(Reference).ToArray(), Flat(Ops.Gelu(x)), 1e-14);
        var dY = Random(rng, shape);
        double error = Vjp.Check(Ops.Gelu, x, dY, into => Adjoint.Gelu(dY, x, into));
        output.WriteLine($"Gelu {string.Join('x', shape)}: max error {error:E2}");
    }

    [Fact]
    public void Gelu_known_values_and_tails()
    {
        var y = Ops.Gelu(FromArray(new[] { 0.0, 1.0, -1.0, 30.0, -30.0 }, 5));
        Assert.Equal(0.0, y[0]);
        Assert.Equal(0.8411919906082768, y[1], 12); // ½ (1 + tanh(√(2/π) · 1.044715))
        Assert.Equal(-0.15880800939172324, y[2], 12);
        Assert.Equal(30.0, y[3], 12);
        Assert.Equal(0.0, y[4], 12);
        var into = Filled(new[] { 5 }, 0);
        Adjoint.Gelu(Filled(new[] { 5 }, 1), FromArray(new[] { 0.0, 1.0, -1.0, 30.0, -30.0 }, 5), into);
        Assert.Equal(0.5, into[0], 14);
        Assert.Equal(1.0, into[3], 12);
        Assert.Equal(0.0, into[4], 12);
    }

    [Fact]
    public void Gelu_in_float_agrees_with_double()
    {
        var x = Random(new Random(21), new[] { 64 }, -5, 5);
        var xf = Tensor.Create(Flat(x).Select(v => (float)v).ToArray(), x.Lengths);
        AssertClose(Flat(Ops.Gelu(x)), Flat(Ops.Gelu(xf)).Select(v => (double)v).ToArray(), 1e-6);
        var dY = Random(new Random(22), new[] { 64 });
        var dYf = Tensor.Create(Flat(dY).Select(v => (float)v).ToArray(), x.Lengths);
        var into = Filled(new[] { 64 }, 0);
        var intoF = Tensor.Create(new float[64], x.Lengths);
        Adjoint.Gelu(dY, x, into);
        Adjoint.Gelu(dYf, xf, intoF);
        AssertClose(Flat(into), Flat(intoF).Select(v => (double)v).ToArray(), 1e-5);
    }

    [Fact]
    public void Gelu_backward_rejects_mismatched_shapes()
    {
        var error = Assert.Throws<ArgumentException>(() => Adjoint.Gelu(Filled(new[] { 2, 3 }, 0), Filled(new[] { 3, 2 }, 0), Filled(new[] { 2, 3 }, 0)));
        Assert.Contains("Adjoint.Gelu", error.Message);
        Assert.Contains("[2, 3]", error.Message);
        Assert.Contains("[3, 2]", error.Message);
    }
}
