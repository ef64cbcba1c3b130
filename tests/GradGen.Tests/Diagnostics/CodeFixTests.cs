using System.Threading;
using System.Threading.Tasks;
using GradGen.CodeFixes;

namespace GradGen.Tests.Diagnostics;

/// <summary>
/// Each code fix, before → after. The testing library also applies the fix to every diagnostic one by one and through
/// fix-all (document, project, solution), re-runs the analyzer on the result and checks it against the fixed text.
/// </summary>
public class CodeFixTests
{
    // ── GG0001: make the type and its enclosing types partial ─────────────────────────────────────

    [Fact]
    public Task GG0001_makes_the_type_partial() => Verify.CodeFix<MakePartialCodeFixProvider>("""
        public static class {|GG0001:C|}
        {
            [Differentiable]
            public static double F(double a) => a * a;
        }
        """, """
        public static partial class C
        {
            [Differentiable]
            public static double F(double a) => a * a;
        }
        """);

    [Fact]
    public Task GG0001_makes_enclosing_and_nested_types_partial_in_one_fix() => Verify.CodeFix<MakePartialCodeFixProvider>("""
        namespace Models
        {
            public class {|GG0001:Outer|}
            {
                internal struct {|GG0001:Inner|}
                {
                    [Differentiable]
                    public static double F(double a) => a * a;
                }

                private class Unrelated
                {
                }
            }
        }
        """, """
        namespace Models
        {
            public partial class Outer
            {
                internal partial struct Inner
                {
                    [Differentiable]
                    public static double F(double a) => a * a;
                }

                private class Unrelated
                {
                }
            }
        }
        """, iterations: 1);

    [Fact]
    public Task GG0001_without_modifiers_keeps_comments_and_attributes_in_place() => Verify.CodeFix<MakePartialCodeFixProvider>("""
        /// <summary>Losses.</summary>
        [Serializable]
        class {|GG0001:Losses|}
        {
            [Differentiable]
            public static double F(double a) => a * a;
        }
        """, """
        /// <summary>Losses.</summary>
        [Serializable]
        partial class Losses
        {
            [Differentiable]
            public static double F(double a) => a * a;
        }
        """);

    [Fact]
    public Task GG0001_record_struct() => Verify.CodeFix<MakePartialCodeFixProvider>("""
        public readonly record struct {|GG0001:Point|}(double X)
        {
            [Differentiable]
            public static double F(double a) => a * a;
        }
        """, """
        public readonly partial record struct Point(double X)
        {
            [Differentiable]
            public static double F(double a) => a * a;
        }
        """);

    // ── GG0010: mark the parameter [NoGradient] ───────────────────────────────────────────────────

    [Fact]
    public Task GG0010_marks_the_parameter() => Verify.CodeFix<NoGradientCodeFixProvider>("""
        public static partial class C
        {
            [Differentiable]
            public static double F(double a, double {|GG0010:b|}) => a * 2;
        }
        """, """
        public static partial class C
        {
            [Differentiable]
            public static double F(double a, [NoGradient] double b) => a * 2;
        }
        """);

    [Fact]
    public Task GG0010_keeps_a_multi_line_parameter_list_and_other_attributes() => Verify.CodeFix<NoGradientCodeFixProvider>("""
        public static partial class C
        {
            [Differentiable]
            public static double F(
                Tensor<double> x,
                Tensor<double> {|GG0010:w|},
                [System.ComponentModel.Description("unused")] double {|GG0010:s|})
                => Ops.Sum(x);
        }
        """, """
        public static partial class C
        {
            [Differentiable]
            public static double F(
                Tensor<double> x,
                [NoGradient] Tensor<double> w,
                [System.ComponentModel.Description("unused")] [NoGradient] double s)
                => Ops.Sum(x);
        }
        """);

    [Fact]
    public Task GG0010_qualifies_the_attribute_when_GradGen_is_not_imported() => Verify.CodeFix<NoGradientCodeFixProvider>("""
        public static partial class C
        {
            [GradGen.Differentiable]
            public static double F(double a, double {|GG0010:b|}) => a * 2;
        }
        """, """
        public static partial class C
        {
            [GradGen.Differentiable]
            public static double F(double a, [GradGen.NoGradient] double b) => a * 2;
        }
        """, usings: false);

    // ── GG0004: register a derivative for the called function (a correctly typed pullback stub) ────

    [Fact]
    public Task GG0004_registers_a_derivative_stub_for_the_callee() => Verify.CodeFix<RegisterDerivativeCodeFixProvider>("""
        public static partial class C
        {
            public static double Blend(Tensor<double> x, double s, int n)
            {
                var total = 0.0;
                while (total < n) total += Ops.Sum(x) * s;
                return total;
            }

            [Differentiable]
            public static double F(Tensor<double> x, double s) => {|GG0004:Blend(x, s, 3)|} * s;
        }
        """, """
        public static partial class C
        {
            public static double Blend(Tensor<double> x, double s, int n)
            {
                var total = 0.0;
                while (total < n) total += Ops.Sum(x) * s;
                return total;
            }

            [DerivativeOf(nameof(Blend))]
            public static void BlendPullback(Tensor<double> x, double s, int n, double y, double dY, Tensor<double> dX, ref double dS)
            {
                // Add ∂L/∂(each parameter) = ∂L/∂y · ∂y/∂(parameter) into dX, dS.
                throw new System.NotImplementedException();
            }

            [Differentiable]
            public static double F(Tensor<double> x, double s) => Blend(x, s, 3) * s;
        }
        """);

    // ── GG0004: mark the called method [Differentiable] when Lower accepts it ─────────────────────

    [Fact]
    public Task GG0004_marks_the_callee() => Verify.CodeFix<MarkDifferentiableCodeFixProvider>("""
        public static partial class C
        {
            private static double Square(double x) => x * x;

            [Differentiable]
            public static double F(double a) => {|GG0004:Square(a)|} + 1;
        }
        """, """
        public static partial class C
        {
            [Differentiable]
            private static double Square(double x) => x * x;

            [Differentiable]
            public static double F(double a) => Square(a) + 1;
        }
        """);

    [Fact]
    public Task GG0004_keeps_doc_comments_and_attributes_above_the_callee() => Verify.CodeFix<MarkDifferentiableCodeFixProvider>("""
        public static partial class C
        {
            [Differentiable]
            public static double F(double a) => {|GG0004:Square(a)|} + {|GG0004:Cube(a)|};

            /// <summary>x².</summary>
            internal static double Square(double x) => x * x;

            [System.Obsolete("use Square")]
            internal static double Cube(double x)
            {
                var square = x * x;
                return square * x;
            }
        }
        """, """
        public static partial class C
        {
            [Differentiable]
            public static double F(double a) => Square(a) + Cube(a);

            /// <summary>x².</summary>
            [Differentiable]
            internal static double Square(double x) => x * x;

            [System.Obsolete("use Square")]
            [Differentiable]
            internal static double Cube(double x)
            {
                var square = x * x;
                return square * x;
            }
        }
        """);

    [Fact]
    public Task GG0004_marks_a_callee_in_another_file_qualified_when_GradGen_is_not_imported()
    {
        var test = new Verify.CodeFixTest<MarkDifferentiableCodeFixProvider>();
        const string Caller = """
            public static partial class Model
            {
                [Differentiable]
                public static double Loss(Tensor<double> x, Tensor<double> w) => {|GG0004:Layers.Dense(x, w)|};
            }
            """;
        test.TestState.Sources.Add(Verify.WithUsings(Caller));
        test.TestState.Sources.Add("""
            using System.Numerics.Tensors;

            public static partial class Layers
            {
                public static double Dense(Tensor<double> x, Tensor<double> w) => GradGen.Ops.Mean(GradGen.Ops.Tanh(GradGen.Ops.MatMul(x, w)));
            }
            """);
        test.FixedState.Sources.Add(Verify.WithUsings(Caller.Replace("{|GG0004:", "").Replace("|}", "")));
        test.FixedState.Sources.Add("""
            using System.Numerics.Tensors;

            public static partial class Layers
            {
                [GradGen.Differentiable]
                public static double Dense(Tensor<double> x, Tensor<double> w) => GradGen.Ops.Mean(GradGen.Ops.Tanh(GradGen.Ops.MatMul(x, w)));
            }
            """);
        return test.RunAsync(CancellationToken.None);
    }

    [Fact]
    public Task GG0004_fix_all_marks_each_callee_once() => Verify.CodeFix<MarkDifferentiableCodeFixProvider>("""
        public static partial class C
        {
            [Differentiable]
            public static double F(double a) => {|GG0004:Square(a)|} * {|GG0004:Square(2 * a)|};

            [Differentiable]
            public static double G(double a) => {|GG0004:Square(a)|} + a;

            private static double Square(double x) => x * x;
        }
        """, """
        public static partial class C
        {
            [Differentiable]
            public static double F(double a) => Square(a) * Square(2 * a);

            [Differentiable]
            public static double G(double a) => Square(a) + a;

            [Differentiable]
            private static double Square(double x) => x * x;
        }
        """, iterations: 1);

    [Fact]
    public Task GG0004_not_offered_when_the_callee_body_is_unsupported() => Verify.NoCodeFix<MarkDifferentiableCodeFixProvider>("""
        public static partial class C
        {
            private static double Power(double x, int n)
            {
                var result = x;
                try { result = result * x; } finally { }
                return result;
            }

            [Differentiable]
            public static double F(double a) => {|GG0004:Power(a, 3)|};
        }
        """);

    [Fact]
    public Task GG0004_not_offered_when_the_callee_calls_something_not_differentiable() => Verify.NoCodeFix<MarkDifferentiableCodeFixProvider>("""
        public static partial class C
        {
            private static double Rounded(double x) => Math.Round(x) * x;

            [Differentiable]
            public static double F(double a) => {|GG0004:Rounded(a)|};
        }
        """);

    [Fact]
    public Task GG0004_not_offered_when_the_callee_type_is_not_partial() => Verify.NoCodeFix<MarkDifferentiableCodeFixProvider>("""
        public static class Helpers
        {
            public static double Square(double x) => x * x;
        }

        public static partial class C
        {
            [Differentiable]
            public static double F(double a) => {|GG0004:Helpers.Square(a)|};
        }
        """);

    [Fact]
    public Task GG0004_not_offered_for_a_library_method() => Verify.NoCodeFix<MarkDifferentiableCodeFixProvider>("""
        public static partial class C
        {
            [Differentiable]
            public static double F(double a) => a * {|GG0004:Math.Atan(a)|};
        }
        """);

    [Fact]
    public Task GG0004_not_offered_for_a_delegate() => Verify.NoCodeFix<MarkDifferentiableCodeFixProvider>("""
        public static partial class C
        {
            [Differentiable]
            public static double F(double a, [NoGradient] Func<double, double> f) => {|GG0004:f(a)|};
        }
        """);

    [Fact]
    public Task GG0004_not_offered_when_the_call_would_stay_unsupported() => Verify.NoCodeFix<MarkDifferentiableCodeFixProvider>("""
        public partial class Layer
        {
            public double Scale(double x) => x * 2;
        }

        public static partial class C
        {
            [Differentiable]
            public static double F(double a, [NoGradient] Layer layer) => {|GG0004:layer.Scale(a)|};
        }
        """);
}
