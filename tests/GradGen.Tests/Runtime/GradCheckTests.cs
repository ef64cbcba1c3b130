using System;
using System.Numerics.Tensors;
using static GradGen.Tests.Runtime.TestTensors;

namespace GradGen.Tests.Runtime;

public class GradCheckTests
{
    private static Tensor<double> Point() => FromArray(new double[] { 0.5, -1.0, 2.0, 1.5, -0.25, 0.75 }, 2, 3);

    /// <summary>f(x) = Σ x², ∇f = 2x.</summary>
    private static double SumOfSquares(Tensor<double> x) => Ops.Sum(Ops.Square(x));

    private static Tensor<double> TwiceX(Tensor<double> x) => Ops.Multiply(x, 2.0);

    [Fact]
    public void Passes_on_a_correct_gradient()
    {
        var x = Point();
        var result = GradCheck.Check(SumOfSquares, x, TwiceX(x));
        Assert.True(result.Passed, result.ToString());
        Assert.Equal(6, result.Count);
        Assert.True(result.MaxError < 1e-8);
        Assert.Equal(1e-6, result.Tolerance);
        Assert.Equal(1e-6, result.Epsilon);
        Assert.StartsWith("GradCheck passed: 6 elements, max error ", result.ToString());
        result.ThrowIfFailed();
    }

    [Fact]
    public void Fails_on_a_wrong_gradient_and_names_the_worst_position()
    {
        var x = Point();
        var wrong = TwiceX(x);
        wrong[1, 2] += 0.5; // 2·0.75 = 1.5 → 2.0
        var result = GradCheck.Check(SumOfSquares, x, wrong);
        Assert.False(result.Passed);
        Assert.Equal(5, result.WorstIndex);
        Assert.Equal(new nint[] { 1, 2 }, result.WorstPosition);
        Assert.Equal(2.0, result.WorstAnalytic);
        Assert.Equal(1.5, result.WorstNumerical, 6);
        Assert.Equal(0.5 / 2.0, result.MaxError, 6);
        string report = result.ToString();
        Assert.StartsWith("GradCheck FAILED: 6 elements", report);
        Assert.Contains("at [1, 2]", report);
        Assert.Contains("analytic 2,", report);
        var error = Assert.Throws<GradCheckException>(result.ThrowIfFailed);
        Assert.Equal(report, error.Message);
        Assert.Same(result, error.Result);
    }

    [Fact]
    public void NaN_in_the_analytic_gradient_fails()
    {
        var x = Point();
        var analytic = TwiceX(x);
        analytic[0, 1] = double.NaN;
        var result = GradCheck.Check(SumOfSquares, x, analytic);
        Assert.False(result.Passed);
        Assert.Equal(new nint[] { 0, 1 }, result.WorstPosition);
        Assert.True(double.IsNaN(result.MaxError));
    }

    [Fact]
    public void Restores_the_input()
    {
        var x = Point();
        double[] before = Flat(x);
        GradCheck.Check(SumOfSquares, x, TwiceX(x));
        GradCheck.Numerical(SumOfSquares, x);
        Assert.Equal(before, Flat(x));
    }

    [Fact]
    public void Restores_the_input_when_f_throws()
    {
        var x = Point();
        double[] before = Flat(x);
        Assert.Throws<InvalidOperationException>(() => GradCheck.Check<double>(_ => throw new InvalidOperationException(), x, x));
        Assert.Equal(before, Flat(x));
    }

    [Fact]
    public void Numerical_returns_the_central_difference_gradient()
    {
        var x = Point();
        var numerical = GradCheck.Numerical(SumOfSquares, x);
        Assert.Equal(new[] { 2, 3 }, Shape(numerical));
        AssertClose(Flat(TwiceX(x)), Flat(numerical), 1e-8);
    }

    [Fact]
    public void Checks_a_vector_Jacobian_product()
    {
        var rng = new Random(1);
        var x = Random(rng, new[] { 3, 4 });
        var dY = Random(rng, new[] { 3, 4 });
        var analytic = Ops.ZerosLike(x);
        Adjoint.Tanh(dY, Ops.Tanh(x), analytic);
        var result = GradCheck.Check(Ops.Tanh, x, dY, analytic);
        Assert.True(result.Passed, result.ToString());

        analytic[2, 3] = -analytic[2, 3] + 1;
        var failed = GradCheck.Check(Ops.Tanh, x, dY, analytic);
        Assert.False(failed.Passed);
        Assert.Equal(new nint[] { 2, 3 }, failed.WorstPosition);
    }

    [Fact]
    public void Checks_a_scalar_derivative()
    {
        Assert.True(GradCheck.Check(Math.Sin, 0.3, Math.Cos(0.3)).Passed);
        var wrong = GradCheck.Check(Math.Sin, 0.3, -Math.Cos(0.3));
        Assert.False(wrong.Passed);
        Assert.Empty(wrong.WorstPosition);
        Assert.Equal(1, wrong.Count);
        Assert.StartsWith("GradCheck FAILED: 1 element,", wrong.ToString());
    }

    [Fact]
    public void Float_uses_coarser_defaults_and_passes()
    {
        var x = Tensor.Create(new float[] { 0.5f, -1f, 2f, 1.5f }, new nint[] { 2, 2 });
        var analytic = Ops.ZerosLike(x);
        var ones = Ops.Add(Ops.ZerosLike(x), 1f);
        Adjoint.Sigmoid(ones, Ops.Sigmoid(x), analytic);
        var result = GradCheck.Check(t => Ops.Sum(Ops.Sigmoid(t)), x, analytic);
        Assert.True(result.Passed, result.ToString());
        Assert.Equal(1e-3, result.Epsilon);
        Assert.Equal(1e-2, result.Tolerance);
        Assert.False(GradCheck.Check(t => Ops.Sum(Ops.Sigmoid(t)), x, Ops.Add(analytic, 0.1f)).Passed);
    }

    [Fact]
    public void Works_on_a_strided_view()
    {
        var x = Tensor.Transpose(Point());
        var result = GradCheck.Check(SumOfSquares, x, TwiceX(x));
        Assert.True(result.Passed, result.ToString());
        Assert.Equal(new[] { 3, 2 }, Shape(x));
    }

    [Fact]
    public void Explicit_epsilon_and_tolerance_are_used_and_validated()
    {
        var x = Point();
        var result = GradCheck.Check(SumOfSquares, x, TwiceX(x), epsilon: 1e-4, tolerance: 1e-9);
        Assert.Equal(1e-4, result.Epsilon);
        Assert.Equal(1e-9, result.Tolerance);
        Assert.Throws<ArgumentOutOfRangeException>(() => GradCheck.Check(SumOfSquares, x, x, epsilon: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => GradCheck.Check(SumOfSquares, x, x, tolerance: -1));
        var shapeError = Assert.Throws<ArgumentException>(() => GradCheck.Check(SumOfSquares, x, FromArray(new double[6], 3, 2)));
        Assert.Contains("[2, 3]", shapeError.Message);
        Assert.Contains("[3, 2]", shapeError.Message);
    }
}
