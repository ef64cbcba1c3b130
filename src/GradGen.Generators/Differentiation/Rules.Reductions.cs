using GradGen.Generators.Model;

namespace GradGen.Generators.Differentiation;

internal static partial class Rules
{
    /// <summary>Reductions and normalisations.</summary>
    private static readonly Rule[] Reductions =
    {
        Op(OpKind.Sum, "t", "Sum", "{y} = Σ {a}", W("{Adjoint}.Fill({g}, {into})", "∂L/∂{a} += ∂L/∂{y} (broadcast to every element)")) with { Shape = ShapeRule.Scalar },
        Op(OpKind.Mean, "t", "Mean", "{y} = mean({a})", W("{Adjoint}.Mean({g}, {into})", "∂L/∂{a} += ∂L/∂{y} / n (broadcast to every element)")) with { Shape = ShapeRule.Scalar },
        Op(OpKind.Sum, "tpp", "Sum", "{y} = Σ_{b} {a} (keep dims: {c})", W("{Adjoint}.Sum({g}, {b}, {into})", "∂L/∂{a} += ∂L/∂{y} broadcast along axis {b}", Reads.B), null, null) with { Shape = ShapeRule.ReduceAxis },
        Op(OpKind.Mean, "tpp", "Mean", "{y} = mean_{b} {a} (keep dims: {c})", W("{Adjoint}.Mean({g}, {b}, {into})", "∂L/∂{a} += ∂L/∂{y} / n broadcast along axis {b}", Reads.B), null, null) with { Shape = ShapeRule.ReduceAxis },
        Op(OpKind.Max, "tpp", "Max", "{y} = max_{b} {a} (keep dims: {c})", A("{Adjoint}.Max({g}, {a}, {b}, {into})", "∂L/∂{a} += ∂L/∂{y} at the arg-max along axis {b}", Reads.A | Reads.B), null, null) with { Shape = ShapeRule.ReduceAxis },
        Op(OpKind.Softmax, "tp", "Softmax", "{y} = softmax({a}) along axis {b}", W("{Adjoint}.Softmax({g}, {y}, {b}, {into})", "∂L/∂{a} += {y} ⊙ (∂L/∂{y} − Σ_{b}(∂L/∂{y} ⊙ {y}))", Reads.Y | Reads.B), null),
        Op(OpKind.LogSoftmax, "tp", "LogSoftmax", "{y} = log softmax({a}) along axis {b}", W("{Adjoint}.LogSoftmax({g}, {y}, {b}, {into})", "∂L/∂{a} += ∂L/∂{y} − softmax({a}) ⊙ Σ_{b} ∂L/∂{y}", Reads.Y | Reads.B), null),
        Op(OpKind.Softmax, "t", "Softmax", "{y} = softmax({a}) (last axis)", W("{Adjoint}.Softmax({g}, {y}, {into})", "∂L/∂{a} += {y} ⊙ (∂L/∂{y} − Σ_last(∂L/∂{y} ⊙ {y}))", Reads.Y)),
    };
}
