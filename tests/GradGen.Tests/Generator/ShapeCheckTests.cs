using System;
using System.Linq;
using System.Numerics.Tensors;
using System.Reflection;
using System.Runtime.CompilerServices;
using GradGen.Tests.Infrastructure;

namespace GradGen.Tests.Generator;

/// <summary>
/// The generated forward checks the shapes declared with [Shape] on entry: one ArgumentException naming the parameter,
/// its shape and the declared one — a literal compared, a symbol bound by the first parameter that has it (or an int
/// parameter) and compared in the later ones — instead of a kernel's exception deep inside; right shapes run as before.
/// </summary>
public class ShapeCheckTests
{
    private const string Source = """
        public static partial class Shaped
        {
            [Differentiable]
            public static double Loss([Shape("B, 2")] Tensor<double> x, [Shape("2, H")] Tensor<double> w, [Shape("H")] Tensor<double> b, [NoGradient, Shape("B, H")] Tensor<double> y)
                => Ops.Sum(Ops.Square(Ops.Subtract(Ops.Tanh(Ops.MatMul(x, w) + b), y)));

            [Differentiable]
            public static double Heads([Shape("B, T, C")] Tensor<double> x, int B, int T, int C) => Ops.Sum(Ops.Reshape(x, B * T, C));
        }
        """;

    private static readonly Lazy<Type> Compiled = new(() => Harness.Load(Harness.Usings + Source).GetType("Shaped")!);

    private static Tensor<double> T(params nint[] shape) => Tensor.Create(Enumerable.Range(0, (int)shape.Aggregate((nint)1, (a, b) => a * b)).Select(i => 0.1 * (i % 7) - 0.3).ToArray(), shape);

    private static object? Backward(string method, params object[] args)
    {
        var backward = Compiled.Value.GetMethods().Single(m => m.Name == method + "Backward" && m.ReturnType.IsAssignableTo(typeof(ITuple)));
        try
        {
            return backward.Invoke(null, args.Append(1.0).ToArray());
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }
    }

    [Fact]
    public void Right_shapes_run_and_agree_with_finite_differences()
    {
        GradientChecker.CheckAll(Compiled.Value, "Loss", [[3, 2], [2, 4], [4], [3, 4]], positive: false, seed: 5);
        Assert.NotNull(Backward("Heads", T(2, 3, 4), 2, 3, 4));
    }

    [Theory]
    [InlineData("literal", "w", "w is [3, 4], but [Shape] declares it [2, H]")]
    [InlineData("rank", "x", "x is [3, 2, 1], but [Shape] declares it [B, 2]")]
    [InlineData("symbol bound by an earlier parameter", "b", "b is [5], but [Shape] declares it [H]")]
    [InlineData("symbol of a [NoGradient] parameter", "y", "y is [4, 4], but [Shape] declares it [B, H]")]
    public void A_wrong_shape_is_one_clear_exception_naming_the_parameter_and_both_shapes(string what, string parameter, string message)
    {
        _ = what;
        var (x, w, b, y) = (T(3, 2), T(2, 4), T(4), T(3, 4));
        switch (parameter)
        {
            case "w": w = T(3, 4); break;
            case "x": x = T(3, 2, 1); break;
            case "b": b = T(5); break;
            default: y = T(4, 4); break;
        }
        var error = Assert.Throws<ArgumentException>(() => Backward("Loss", x, w, b, y));
        Assert.Equal(parameter, error.ParamName);
        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_int_parameter_is_its_symbol()
    {
        var error = Assert.Throws<ArgumentException>(() => Backward("Heads", T(2, 3, 4), 2, 3, 5));
        Assert.StartsWith("x is [2, 3, 4], but [Shape] declares it [B, T, C]", error.Message, StringComparison.Ordinal);
    }
}
