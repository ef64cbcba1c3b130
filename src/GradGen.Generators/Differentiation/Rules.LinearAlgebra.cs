using GradGen.Generators.Model;

namespace GradGen.Generators.Differentiation;

internal static partial class Rules
{
    /// <summary>Matrix products and transposes.</summary>
    private static readonly Rule[] LinearAlgebra =
    {
        Op(OpKind.MatMul, "tt", "MatMul", "{y} = {a}·{b}", W("{Adjoint}.MatMulLeft({g}, {b}, {into})", "∂L/∂{a} += ∂L/∂{y}·{b}ᵀ", Reads.B), W("{Adjoint}.MatMulRight({a}, {g}, {into})", "∂L/∂{b} += {a}ᵀ·∂L/∂{y}", Reads.A)) with { Shape = ShapeRule.MatMul },
        Op(OpKind.MatMulBias, "ttt", "MatMulBias", "{y} = {a}·{b} + {c}", W("{Adjoint}.MatMulLeft({g}, {b}, {into})", "∂L/∂{a} += ∂L/∂{y}·{b}ᵀ", Reads.B), W("{Adjoint}.MatMulRight({a}, {g}, {into})", "∂L/∂{b} += {a}ᵀ·∂L/∂{y}", Reads.A), Pass("∂L/∂{c} += Σ_rows ∂L/∂{y}")) with { Shape = ShapeRule.MatMul, Note = "the bias {c} is a row [N], added to every row" },
        Op(OpKind.MatMulBiasRelu, "ttt", "MatMulBiasRelu", "{y} = ReLU({a}·{b} + {c})",
            Fused("∂L/∂{a} += ĝ·{b}ᵀ"), Fused("∂L/∂{b} += {a}ᵀ·ĝ"), Fused("∂L/∂{c} += Σ_rows ĝ"))
            with { Kernel = "{Adjoint}.MatMulBiasRelu({g}, {a}, {b}, {y}, {into_a}, {into_b}, {into_c})", KernelReads = Reads.A | Reads.B | Reads.Y, KernelWrites = new[] { "overwriteA", "overwriteB", "overwriteBias" }, Note = "ĝ = ∂L/∂{y} ⊙ 1[{y} > 0]; the bias {c} is a row [N]", Shape = ShapeRule.MatMul },
        Op(OpKind.MatMulTransposed, "tt", "MatMulTransposed", "{y} = {a}·{b}ᵀ", W("{Adjoint}.MatMulTransposedLeft({g}, {b}, {into})", "∂L/∂{a} += ∂L/∂{y}·{b}", Reads.B), W("{Adjoint}.MatMulTransposedRight({a}, {g}, {into})", "∂L/∂{b} += (∂L/∂{y})ᵀ·{a}", Reads.A)) with { Shape = ShapeRule.Unknown, Note = "{b} is read transposed in place" },
        Op(OpKind.Transpose, "t", "Transpose", "{y} = {a}ᵀ", W("{Adjoint}.Transpose({g}, {into})", "∂L/∂{a} += (∂L/∂{y})ᵀ")) with { Shape = ShapeRule.Transpose },
    };
}
