using GradGen.Generators.Model;

namespace GradGen.Generators.Differentiation;

internal static partial class Rules
{
    /// <summary>Fused losses.</summary>
    private static readonly Rule[] Losses =
    {
        Op(OpKind.SoftmaxCrossEntropy, "tp", "SoftmaxCrossEntropy", "{y} = softmax-CE({a}, {b})", W("{Adjoint}.SoftmaxCrossEntropy({g}, {a}, {b}, {into})", "∂L/∂{a} += ∂L/∂{y}·(softmax({a}) − onehot({b})) / N", Reads.A | Reads.B), null) with { Shape = ShapeRule.Scalar },
    };
}
