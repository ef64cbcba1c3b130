using System;
using System.Numerics.Tensors;

namespace GradGen.Tests.Runtime;

public class SgdTests
{
    [Fact]
    public void Step_moves_against_the_gradient_in_place()
    {
        var p = Tensor.Create(new double[] { 1, 2, 3, 4 }, [2, 2]);
        var g = Tensor.Create(new double[] { 10, -10, 0, 2 }, [2, 2]);
        Sgd.Step(p, g, 0.1);
        Assert.Equal(new[] { 0.0, 3.0, 3.0, 3.8 }, new[] { p[0, 0], p[0, 1], p[1, 0], p[1, 1] }, new Tolerance(1e-12));
    }

    [Fact]
    public void Strided_gradient_is_read_in_its_logical_order()
    {
        var p = Tensor.Create(new double[6], [3, 2]);
        var g = Tensor.Transpose(Tensor.Create(new double[] { 1, 2, 3, 4, 5, 6 }, [2, 3]));
        Sgd.Step(p, g, 1.0);
        Assert.Equal(-4, p[0, 1]);
        Assert.Equal(-3, p[2, 0]);
    }

    [Fact]
    public void Shape_mismatch_names_both_shapes()
    {
        var e = Assert.Throws<ArgumentException>(() => Sgd.Step(Tensor.Create(new double[4], [2, 2]), Tensor.Create(new double[4], [4]), 0.1));
        Assert.Contains("Sgd.Step", e.Message);
        Assert.Contains("[2, 2]", e.Message);
        Assert.Contains("[4]", e.Message);
    }

    private sealed class Tolerance(double epsilon) : System.Collections.Generic.IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= epsilon;

        public int GetHashCode(double obj) => 0;
    }
}
