using GradGen.Generators.Model;

namespace GradGen.Generators.Differentiation;

internal static partial class Rules
{
    /// <summary>Reductions and normalisations.</summary>
    private static readonly Rule[] Reductions =
    {
        Op(OpKind.Sum, "t", "Sum", "{y} = Σ {a}", A("{Adjoint}.Fill({g}, {into})", "∂L/∂{a} += ∂L/∂{y} (broadcast to every element)")),
        Op(OpKind.Mean, "t", "Mean", "{y} = mean({a})", A("{Adjoint}.Mean({g}, {into})", "∂L/∂{a} += ∂L/∂{y} / n (broadcast to every element)")),
        Op(OpKind.Softmax, "t", "Softmax", "{y} = softmax({a}) (last axis)", A("{Adjoint}.Softmax({g}, {y}, {into})", "∂L/∂{a} += {y} ⊙ (∂L/∂{y} − Σ_last(∂L/∂{y} ⊙ {y}))", Reads.Y)),
    };
}
