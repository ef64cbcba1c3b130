using GradGen.Generators.Model;

namespace GradGen.Generators.Differentiation;

internal static partial class Rules
{
    /// <summary>Matrix products and transposes.</summary>
    private static readonly Rule[] LinearAlgebra =
    {
        Op(OpKind.MatMul, "tt", "MatMul", "{y} = {a}·{b}", W("{Adjoint}.MatMulLeft({g}, {b}, {into})", "∂L/∂{a} += ∂L/∂{y}·{b}ᵀ", Reads.B), W("{Adjoint}.MatMulRight({a}, {g}, {into})", "∂L/∂{b} += {a}ᵀ·∂L/∂{y}", Reads.A)) with { Shape = ShapeRule.MatMul },
        Op(OpKind.Transpose, "t", "Transpose", "{y} = {a}ᵀ", W("{Adjoint}.Transpose({g}, {into})", "∂L/∂{a} += (∂L/∂{y})ᵀ")) with { Shape = ShapeRule.Transpose },
    };
}
