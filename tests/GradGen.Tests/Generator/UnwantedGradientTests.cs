using System;
using System.Linq;
using System.Numerics.Tensors;
using GradGen.Tests.Infrastructure;

namespace GradGen.Tests.Generator;

/// <summary>
/// Activity across calls: a callee's argument that receives no gradient in the caller (derived from a [NoGradient] input)
/// gets null for its gradient, and the callee's pullback skips the work that only adds into it — counted in matrix
/// products, and checked against finite differences.
/// </summary>
public class UnwantedGradientTests
{
    private const string Source = Harness.Usings + """
        public static partial class Gru
        {
            [Differentiable]
            public static Tensor<double> Cell(Tensor<double> h, Tensor<double> x, Tensor<double> wh, Tensor<double> wx) =>
                Ops.Tanh(Ops.MatMul(h, wh) + Ops.MatMul(x, wx));

            [Differentiable]
            public static double Run(Tensor<double> h0, [NoGradient] Tensor<double> xs, Tensor<double> wh, Tensor<double> wx, int steps)
            {
                var h = h0;
                for (var t = 0; t < steps; t++)
                {
                    var x = Ops.Reshape(Ops.Slice(xs, 0, t, 1), 1, 3) * 2.0;
                    h = Cell(h, x, wh, wx);
                }
                return Ops.Sum(Ops.Square(h));
            }
        }
        """;

    [Fact]
    public void A_callee_skips_the_products_of_a_gradient_nobody_wants()
    {
        var result = Harness.Run(Source);
        Assert.Empty(result.GeneratorDiagnostics);
        var run = result.Source("Gru.Run.g.cs");
        Assert.Contains("CellPullback(", run);
        Assert.Contains(", null", run);                                       // the caller passes null for ∂L/∂x
        Assert.Contains("is not null", result.Source("Gru.Cell.g.cs"));      // the callee guards the work for it
        var type = Harness.Emit(result.Output).GetType("Gru")!;

        const int steps = 3;
        var random = new Random(3);
        Tensor<double> R(params int[] shape) => Tensor.Create(Enumerable.Range(0, shape.Aggregate(1, (a, b) => a * b)).Select(_ => random.NextDouble() - 0.5).ToArray(), shape.Select(s => (nint)s).ToArray());
        var (h0, xs, wh, wx) = (R(1, 4), R(steps, 1, 3), R(4, 4), R(3, 4));
        var backward = type.GetMethods().Single(m => m.Name == "RunBackward" && m.ReturnType != typeof(double));
        KernelCounters.Products = 0;
        backward.Invoke(null, [h0, xs, wh, wx, steps, 1d]);
        // Per step: forward h·wh and x·wx; backward ∂h (h's product), ∂wh, ∂wx — and not ∂x, which nobody wants.
        Assert.Equal(5 * steps, KernelCounters.Products);

        // The gradients that are wanted are still right.
        GradientChecker.CheckAll(type, "Run", [[1, 4], [steps, 1, 3], [4, 4], [3, 4], null], positive: false, seed: 9);
    }
}
