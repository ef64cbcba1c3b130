using System.Threading.Tasks;

namespace GradGen.Tests.Diagnostics;

/// <summary>
/// Programs GradGen used to accept with a wrong gradient, or diagnose twice (issue 13, repros 203, 206, 207, 209, 210, 211):
/// now one diagnostic at the expression, naming the way out. The accepted ways out are checked against finite differences
/// in <see cref="Generator.SoundnessTests"/>.
/// </summary>
public class SoundnessDiagnosticTests
{
    /// <summary>203: a virtual call may reach an override's body, which GradGen never differentiated.</summary>
    [Fact]
    public Task A_virtual_call_that_an_override_may_answer_is_refused() => Verify.Analyzer("""
        public partial class B
        {
            [Differentiable]
            public virtual double F(double x) => x * 2;

            [Differentiable]
            public double G(double x) => {|GG0003:F(x)|} + x;
        }

        public partial class D : B
        {
            public override double F(double x) => x * 5;
        }
        """);

    /// <summary>A virtual call on another instance (a virtual method of a weight type) too.</summary>
    [Fact]
    public Task A_virtual_method_of_a_weight_object_is_refused() => Verify.Analyzer("""
        public partial class Layer
        {
            public Tensor<double> W { get; init; } = Tensor.Create(new double[4], [2, 2]);

            [Differentiable]
            public virtual Tensor<double> Apply(Tensor<double> x) => Ops.MatMul(x, W);
        }

        public sealed partial class Net
        {
            public Layer L { get; init; } = null!;

            [Differentiable]
            public double F(Tensor<double> x) => Ops.Sum({|GG0003:L.Apply(x)|});
        }
        """);

    /// <summary>206: an abstract property may be computed by the implementation.</summary>
    [Fact]
    public Task An_abstract_tensor_property_is_not_a_stored_weight() => Verify.Analyzer("""
        public abstract partial class B
        {
            public abstract Tensor<double> W { get; }

            [Differentiable]
            public double F(Tensor<double> x) => Ops.Sum(Ops.MatMul(x, {|GG0003:W|}));
        }

        public sealed class Scaled : B
        {
            private readonly Tensor<double> _v;
            public Scaled(Tensor<double> v) { _v = v; }
            public override Tensor<double> W => _v * 2.0;
        }
        """);

    /// <summary>A virtual auto-property: an override may compute it.</summary>
    [Fact]
    public Task A_virtual_tensor_property_is_not_a_stored_weight() => Verify.Analyzer("""
        public partial class B
        {
            public virtual Tensor<double> W { get; } = Tensor.Create(new double[4], [2, 2]);

            [Differentiable]
            public double F(Tensor<double> x) => Ops.Sum(Ops.MatMul(x, {|GG0003:W|}));
        }
        """);

    /// <summary>207: a C# 13 partial property's implementing part computes it.</summary>
    [Fact]
    public Task A_partial_tensor_property_is_not_a_stored_weight() => Verify.Analyzer("""
        public sealed partial class M
        {
            private readonly Tensor<double> _v;
            public M(Tensor<double> v) { _v = v; }

            public partial Tensor<double> W { get; }
            public partial Tensor<double> W { get => _v * 2.0; }

            [Differentiable]
            public double F(Tensor<double> x) => Ops.Sum(Ops.MatMul(x, {|GG0003:W|}));
        }
        """);

    /// <summary>209: a ?: choosing a weight object.</summary>
    [Fact]
    public Task A_conditional_choosing_a_weight_object_is_refused() => Verify.Analyzer("""
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
                var layer = {|GG0003:useA ? A : B|};
                return Ops.Sum(Ops.MatMul(x, layer.W));
            }
        }
        """);

    /// <summary>209: a ?: choosing an array of tensors.</summary>
    [Fact]
    public Task A_conditional_choosing_an_array_of_tensors_is_refused() => Verify.Analyzer("""
        public static partial class C
        {
            [Differentiable]
            public static double F(Tensor<double>[] a, Tensor<double>[] b, int k)
            {
                var ws = {|GG0003:k > 0 ? a : b|};
                return Ops.Sum(ws[0]);
            }
        }
        """);

    /// <summary>210: the rest of the method is lowered on both paths of an early return; its mistake is reported once.</summary>
    [Fact]
    public Task A_mistake_after_an_early_return_is_reported_once() => Verify.Analyzer("""
        public static partial class C
        {
            [Differentiable]
            public static double F(double x, double s, int mode, Tensor<double> t)
            {
                var h = x * s;
                if (mode > 0)
                {
                    if (s > 0) return h;
                }
                {|GG0006:t[0] = 1.0|};
                return h * x;
            }
        }
        """);

    /// <summary>
    /// 211: two byte-identical duplicate members (CS0111) have one documentation ID and one text; they are not one body.
    /// The second run finds the first's bodies in the cache, and the test assembly checks every reuse against a fresh
    /// lowering (<c>BodyCache.CheckHits</c>): the diagnostics must be the same both times.
    /// </summary>
    [Fact]
    public async Task Duplicate_members_are_not_one_cached_body()
    {
        const string source = """
            public static partial class C
            {
                [Differentiable] public static double {|GG0002:F|}(double x) => x * x;
            }

            public static partial class C
            {
                [Differentiable] public static double {|CS0111:F|}(double x) => x * x;
            }
            """;
        await Verify.Analyzer(source);
        await Verify.Analyzer(source);
    }
}
