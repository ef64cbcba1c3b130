using System.Linq;
using GradGen.Generators.Differentiation;
using GradGen.Generators.Model;
using GradGen.Tests.Infrastructure;

namespace GradGen.Tests.Generator;

/// <summary>
/// A rule may leave an operand undifferentiated (LayerNorm's eps, CausalSoftmax's scale). A value that depends on a
/// differentiated input there would lose its gradient silently: the generator emits nothing for such a method (the
/// analyzer says why, see AnalyzerTests), and emits as before when the operand does not depend on one.
/// </summary>
public class DroppedGradientTests
{
    private const string Source = """
        namespace Models;

        public static partial class Norms
        {
            [Differentiable]
            public static double EpsFromScalar(Tensor<double> x, Tensor<double> w, Tensor<double> b, double s) => Ops.Sum(Ops.LayerNorm(x, w, b, eps: s * 1e-5));

            [Differentiable]
            public static double ScaleFromWeights(Tensor<double> scores, Tensor<double> w) => Ops.Sum(Ops.CausalSoftmax(scores, Ops.Mean(w)) * w);

            [Differentiable]
            public static double EpsCarriedThroughLoop(Tensor<double> x, Tensor<double> w, Tensor<double> b, double s)
            {
                var eps = 1e-5;
                for (int i = 0; i < 2; i++) { eps = eps * s; }
                return Ops.Sum(Ops.LayerNorm(x, w, b, eps));
            }

            [Differentiable]
            public static double EpsFromPassive(Tensor<double> x, Tensor<double> w, Tensor<double> b, [NoGradient] double k, int n) => Ops.Sum(Ops.LayerNorm(x, w, b, k * 1e-5 / n));

            [Differentiable]
            public static double ScaleFromShape(Tensor<double> scores) => Ops.Sum(Ops.CausalSoftmax(scores, 1.0 / Math.Sqrt(scores.Lengths[1])));

            [Differentiable]
            public static double UnusedNorm(Tensor<double> x, Tensor<double> w, Tensor<double> b, double s)
            {
                var unused = Ops.LayerNorm(x, w, b, s * 1e-5);
                return Ops.Sum(x * w) * s;
            }
        }
        """;

    [Fact]
    public void A_differentiated_value_at_an_undifferentiated_operand_gets_no_backward()
    {
        var generated = Harness.Run(Harness.Usings + Source).Generated.Select(g => g.HintName).ToList();
        Assert.DoesNotContain("Models.Norms.EpsFromScalar.g.cs", generated);
        Assert.DoesNotContain("Models.Norms.ScaleFromWeights.g.cs", generated);
        Assert.DoesNotContain("Models.Norms.EpsCarriedThroughLoop.g.cs", generated);
        Assert.Contains("Models.Norms.EpsFromPassive.g.cs", generated);
        Assert.Contains("Models.Norms.ScaleFromShape.g.cs", generated);
        // The LayerNorm's result does not reach the result: no gradient would flow through it, so none is lost.
        Assert.Contains("Models.Norms.UnusedNorm.g.cs", generated);
    }

    [Fact]
    public void The_operands_rules_leave_undifferentiated_are_LayerNorm_eps_and_CausalSoftmax_scale()
    {
        // Every rule operand a differentiated value could occupy (not a passive 'p' one) but no adjoint serves. The check
        // is generic over the table; this list makes a new such row visible (add a case above for it).
        var undifferentiated = Rules.All
            .SelectMany(rule => Enumerable.Range(0, rule.Signature.Length).Where(k => rule.Signature[k] != 'p' && rule.Adjoints[k] is null).Select(k => rule.Op + " " + rule.Signature + " #" + k))
            .ToList();
        Assert.Equal(new[] { OpKind.LayerNorm + " ttts #3", OpKind.CausalSoftmax + " ts #1" }, undifferentiated);
    }
}
