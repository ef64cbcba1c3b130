using GradGen.Generators.Model;

namespace GradGen.Generators.Differentiation;

internal static partial class Rules
{
    /// <summary>Matrix products and transposes.</summary>
    private static readonly Rule[] LinearAlgebra =
    {
        Op(OpKind.MatMul, "tt", "MatMul", "{y} = {a}·{b}", W("{Adjoint}.MatMulLeft({g}, {b}, {into})", "∂L/∂{a} += ∂L/∂{y}·{b}ᵀ", Reads.B), W("{Adjoint}.MatMulRight({a}, {g}, {into})", "∂L/∂{b} += {a}ᵀ·∂L/∂{y}", Reads.A)) with { Shape = ShapeRule.MatMul },
        Op(OpKind.MatMulBias, "ttt", "MatMulBias", "{y} = {a}·{b} + {c}", W("{Adjoint}.MatMulLeft({g}, {b}, {into})", "∂L/∂{a} += ∂L/∂{y}·{b}ᵀ", Reads.B), W("{Adjoint}.MatMulRight({a}, {g}, {into})", "∂L/∂{b} += {a}ᵀ·∂L/∂{y}", Reads.A), Pass("∂L/∂{c} += Σ_rows ∂L/∂{y}")) with { Shape = ShapeRule.MatMul, Note = "the bias {c} is a row [N], added to every row" },
        Op(OpKind.Transpose, "t", "Transpose", "{y} = {a}ᵀ", W("{Adjoint}.Transpose({g}, {into})", "∂L/∂{a} += (∂L/∂{y})ᵀ")) with { Shape = ShapeRule.Transpose },
    };
}
