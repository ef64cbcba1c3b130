using GradGen.Generators.Model;

namespace GradGen.Generators.Differentiation;

internal static partial class Rules
{
    /// <summary>Normalisations and the activations of a transformer.</summary>
    private static readonly Rule[] Normalization =
    {
        Op(OpKind.LayerNorm, "ttts", "LayerNorm", "{y} = LayerNorm({a}; {b}, {c}, ε = {d}) (last axis)",
            Fused("∂L/∂{a} += (1/σ)·(ĝ − mean(ĝ) − x̂·mean(ĝ ⊙ x̂)) with ĝ = ∂L/∂{y} ⊙ {b}"),
            Fused("∂L/∂{b} += Σ_rows ∂L/∂{y} ⊙ x̂"),
            Fused("∂L/∂{c} += Σ_rows ∂L/∂{y}"),
            null) with { Kernel = "{Adjoint}.LayerNorm({g}, {a}, {b}, {d}, {into_a}, {into_b}, {into_c})", KernelReads = Reads.A | Reads.B | Reads.D, KernelWrites = new[] { "overwrite", null, null }, Note = "x̂ = ({a} − mean) / σ, recomputed from {a}", Shape = ShapeRule.LayerNorm },
        Op(OpKind.Gelu, "t", "Gelu", "{y} = GELU({a}) (tanh approximation)", W("{Adjoint}.Gelu({g}, {a}, {into})", "∂L/∂{a} += ∂L/∂{y} ⊙ GELU′({a})", Reads.A)),
        Op(OpKind.BiasGelu, "tt", "BiasGelu", "{y} = GELU({a} + {b}) (tanh approximation)", Fused("∂L/∂{a} += ĝ"), Fused("∂L/∂{b} += Σ_rows ĝ"))
            with { Kernel = "{Adjoint}.BiasGelu({g}, {a}, {b}, {into_a}, {into_b})", KernelReads = Reads.A | Reads.B, KernelWrites = new[] { "overwrite", null }, Note = "ĝ = ∂L/∂{y} ⊙ GELU′({a} + {b}), the pre-activation recomputed in the same pass; the bias {b} is a row [N]", Shape = ShapeRule.SameAsFirstTensor },
        Op(OpKind.CausalSoftmax, "ts", "CausalSoftmax", "{y} = softmax(mask_causal({a}·{b})) (last axis)", W("{Adjoint}.CausalSoftmax({g}, {y}, {b}, {into})", "∂L/∂{a} += {b}·{y} ⊙ (∂L/∂{y} − Σ_last(∂L/∂{y} ⊙ {y})) (masked entries receive 0)", Reads.Y | Reads.B), null),
    };
}
