using System;
using System.Linq;
using System.Numerics.Tensors;
using System.Reflection;
using System.Runtime.CompilerServices;
using GradGen.Tests.Infrastructure;

namespace GradGen.Tests.Generator;

/// <summary>
/// Programs an independent fuzzer found GradGen wrong on (issue 13, repros 201–212 in shared/repros): each now gets a backward
/// that compiles and agrees with central differences of the forward as C# runs it (virtual dispatch, short-circuit evaluation
/// and all), or the diagnostic in <see cref="Diagnostics.SoundnessDiagnosticTests"/>. All sources share one compilation.
/// </summary>
public class SoundnessTests
{
    private const string Sources = """
        // 201: if → for → ?: (a value recorded in the loop's branch was declared twice)
        public static partial class BranchLoopBranch
        {
            [Differentiable]
            public static double F(double x, bool b)
            {
                var y = x;
                if (b)
                {
                    for (int i = 0; i < 2; i++) y = y > 0 ? Math.Sin(y) * x : y;
                }
                return y;
            }
        }

        // 202: base.F(x) with F overridden calls the base's body
        public partial class BaseB
        {
            [Differentiable]
            public virtual double F(double x) => x * 2 + x * x;
        }

        public partial class BaseD : BaseB
        {
            [Differentiable]
            public override double F(double x) => x * 5;

            [Differentiable]
            public double H(double x) => base.F(x) * x;
        }

        // 203's way out: a sealed type's call is not dispatched elsewhere
        public sealed partial class SealedD : BaseB
        {
            [Differentiable]
            public override double F(double x) => x * 5 * x;

            [Differentiable]
            public double G(double x) => F(x) + x;
        }

        // 204: the right operand of && / || runs only when the left does not decide
        public static partial class ShortCircuit
        {
            [Differentiable]
            public static double And(double x, int[] ids)
            {
                var y = x;
                if (ids.Length > 0 && ids[0] > 2) y = y * x;
                return y;
            }

            [Differentiable]
            public static double Or(double x, int n, int d)
            {
                if (d == 0 || n / d > 1) return x * 2;
                return x * x;
            }

            [Differentiable]
            public static double Value(double x, int[] ids)
            {
                var taken = ids.Length == 0 || ids[0] * 2 < ids.Length + 3 && ids[ids.Length - 1] > 0;
                return taken ? Math.Sin(x) : x * x;
            }
        }

        // 208: [DerivativeOf] on overloads: each overload chains through its own pullback
        public static class Overloaded
        {
            public static double Soft(double x) => Math.Log(1 + Math.Exp(x));
            public static float Soft(float x) => MathF.Log(1 + MathF.Exp(x));

            [DerivativeOf(nameof(Soft))]
            public static void SoftPullback(double x, double y, double dY, ref double dX) => dX += dY / (1 + Math.Exp(-x));

            [DerivativeOf(nameof(Soft))]
            public static void SoftPullback(float x, float y, float dY, ref float dX) => dX += dY / (1 + MathF.Exp(-x));
        }

        public static partial class UsesOverloads
        {
            [Differentiable]
            public static double D(double x) => Overloaded.Soft(x) * x;

            [Differentiable]
            public static float F(float x) => Overloaded.Soft(x) * x;
        }

        // 209's way out: choose the tensors, not the weight objects
        public sealed class Layer
        {
            public Layer(Tensor<double> w) { W = w; }
            public Tensor<double> W { get; }
        }

        public sealed partial class Net
        {
            public Net(Layer a, Layer b) { A = a; B = b; }
            public Layer A { get; }
            public Layer B { get; }

            [Differentiable]
            public double F(Tensor<double> x, bool useA)
            {
                var w = useA ? A.W : B.W;
                return Ops.Sum(Ops.Tanh(Ops.MatMul(x, w)));
            }
        }

        // 212: [N, 1] - [N]
        public static partial class Regression
        {
            [Differentiable]
            public static double Loss(Tensor<double> pred, [NoGradient] Tensor<double> y) => Ops.Sum(Ops.Square(pred - y));
        }
        """;

    private static readonly Lazy<Assembly> Compiled = new(() => Harness.Load(Harness.Usings + Sources));

    private static Type TypeOf(string name) => Compiled.Value.GetType(name)!;

    /// <summary>Value and derivative of a scalar function of one scalar, generated, against the forward and central differences.</summary>
    private static void CheckScalar(Func<double, double> forward, Func<double, ITuple> backward, double x, double tolerance = 1e-6)
    {
        var result = backward(x);
        Assert.Equal(forward(x), Convert.ToDouble(result[0]), 12);
        const double h = 1e-5;
        var numerical = (forward(x + h) - forward(x - h)) / (2 * h);
        Assert.True(Math.Abs(numerical - Convert.ToDouble(result[1])) <= tolerance * Math.Max(1, Math.Abs(numerical)),
            $"d/dx at {x}: generated {result[1]}, finite differences {numerical}");
    }

    private static object? Call(object? target, Type type, string method, params object?[] args) =>
        type.GetMethods().Single(m => m.Name == method && m.GetParameters().Length == args.Length).Invoke(target, args);

    [Theory]
    [InlineData(true, 0.7)]
    [InlineData(true, -0.4)]
    [InlineData(false, 0.7)]
    public void Branch_loop_branch_compiles_and_agrees(bool b, double x)
    {
        var type = TypeOf("BranchLoopBranch");
        CheckScalar(v => (double)Call(null, type, "F", v, b)!, v => (ITuple)Call(null, type, "FBackward", v, b, 1.0)!, x);
    }

    [Fact]
    public void Base_call_differentiates_the_base_body_not_the_override()
    {
        var type = TypeOf("BaseD");
        var d = Activator.CreateInstance(type)!;
        CheckScalar(v => (double)Call(d, type, "H", v)!, v => (ITuple)Call(d, type, "HBackward", v, 1.0)!, 0.7);
        Assert.Equal((0.7 * 2 + 0.7 * 0.7) * 0.7, (double)Call(d, type, "H", 0.7)!, 12); // base.F, not 5x
    }

    [Fact]
    public void A_call_in_a_sealed_type_chains_into_its_own_override()
    {
        var type = TypeOf("SealedD");
        var d = Activator.CreateInstance(type)!;
        CheckScalar(v => (double)Call(d, type, "G", v)!, v => (ITuple)Call(d, type, "GBackward", v, 1.0)!, 0.7);
    }

    [Theory]
    [InlineData(new int[0])]
    [InlineData(new[] { 1 })]
    [InlineData(new[] { 5 })]
    public void And_evaluates_its_right_operand_only_when_the_left_is_true(int[] ids)
    {
        var type = TypeOf("ShortCircuit");
        CheckScalar(v => (double)Call(null, type, "And", v, ids)!, v => (ITuple)Call(null, type, "AndBackward", v, ids, 1.0)!, 1.3);
    }

    [Theory]
    [InlineData(3, 0)]
    [InlineData(3, 2)]
    [InlineData(9, 2)]
    public void Or_evaluates_its_right_operand_only_when_the_left_is_false(int n, int d)
    {
        var type = TypeOf("ShortCircuit");
        CheckScalar(v => (double)Call(null, type, "Or", v, n, d)!, v => (ITuple)Call(null, type, "OrBackward", v, n, d, 1.0)!, 1.1);
    }

    [Theory]
    [InlineData(new int[0])]
    [InlineData(new[] { 1, -1 })]
    [InlineData(new[] { 1, 1 })]
    [InlineData(new[] { 4, 1 })]
    public void Nested_short_circuits_as_a_value(int[] ids)
    {
        var type = TypeOf("ShortCircuit");
        CheckScalar(v => (double)Call(null, type, "Value", v, ids)!, v => (ITuple)Call(null, type, "ValueBackward", v, ids, 1.0)!, 0.9);
    }

    [Fact]
    public void Each_overload_chains_through_its_own_registered_derivative()
    {
        var type = TypeOf("UsesOverloads");
        CheckScalar(v => (double)Call(null, type, "D", v)!, v => (ITuple)Call(null, type, "DBackward", v, 1.0)!, 0.3);
        CheckScalar(v => (float)Call(null, type, "F", (float)v)!, v => (ITuple)Call(null, type, "FBackward", (float)v, 1f)!, 0.3, tolerance: 2e-2);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Choosing_a_tensor_by_a_condition_routes_its_gradient_to_the_member_chosen(bool useA)
    {
        var random = new Random(7);
        Tensor<double> Make(params nint[] shape) => Tensor.Create(Enumerable.Range(0, (int)(shape[0] * shape[1])).Select(_ => random.NextDouble() * 2 - 1).ToArray(), shape);
        var (layer, netType) = (TypeOf("Layer"), TypeOf("Net"));
        var (wa, wb, x) = (Make(3, 2), Make(3, 2), Make(2, 3));
        var net = Activator.CreateInstance(netType, Activator.CreateInstance(layer, wa), Activator.CreateInstance(layer, wb))!;
        double Value() => (double)Call(net, netType, "F", x, useA)!;
        var result = (ITuple)Call(net, netType, "FBackward", x, useA, 1.0)!;
        Assert.Equal(Value(), (double)result[0]!, 12);
        object Member(object o, string name) => o.GetType().GetProperty(name)!.GetValue(o)!;
        var dSelf = result[1]!;
        foreach (var (name, w) in new[] { ("A", wa), ("B", wb) })
        {
            var dW = ((Tensor<double>)Member(Member(dSelf, name), "W")).ToArray();
            var values = w.ToArray();
            for (var i = 0; i < values.Length; i++)
            {
                const double h = 1e-6;
                w[i / 2, i % 2] = values[i] + h;
                var up = Value();
                w[i / 2, i % 2] = values[i] - h;
                var down = Value();
                w[i / 2, i % 2] = values[i];
                var numerical = (up - down) / (2 * h);
                Assert.True(Math.Abs(numerical - dW[i]) <= 1e-6, $"∂F/∂{name}.W[{i}]: generated {dW[i]}, finite differences {numerical}");
                if (name == (useA ? "B" : "A")) Assert.Equal(0.0, dW[i]);
            }
        }
    }

    [Fact]
    public void The_generated_forward_refuses_operator_shapes_that_the_user_operator_gets_wrong()
    {
        var type = TypeOf("Regression");
        var pred = Tensor.Create(new[] { 1.0, 2.0, 3.0 }, [3, 1]);
        var wrong = Tensor.Create(new[] { 0.5, 1.0, 4.0 }, [3]);
        var error = Assert.Throws<TargetInvocationException>(() => Call(null, type, "LossBackward", pred, wrong, 1.0));
        Assert.IsType<ArgumentException>(error.InnerException);
        Assert.Contains("Ops.Subtract(a, b)", error.InnerException!.Message, StringComparison.Ordinal);

        // The same loss on agreeing shapes: the value and the gradient of what the user's Loss computes.
        var right = Tensor.Create(new[] { 0.5, 1.0, 4.0 }, [3, 1]);
        var result = (ITuple)Call(null, type, "LossBackward", pred, right, 1.0)!;
        Assert.Equal((double)Call(null, type, "Loss", pred, right)!, (double)result[0]!, 12);
        Assert.Equal(new[] { 1.0, 2.0, -2.0 }, ((Tensor<double>)result[1]!).ToArray());
    }
}
