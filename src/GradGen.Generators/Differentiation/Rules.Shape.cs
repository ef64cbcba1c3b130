using GradGen.Generators.Model;

namespace GradGen.Generators.Differentiation;

internal static partial class Rules
{
    /// <summary>Shape ops: the gradient lands back in the input's layout.</summary>
    private static readonly Rule[] Shape =
    {
        Op(OpKind.Reshape, "tp", "Reshape", "{y} = reshape({a}, {b})", W("{Adjoint}.Reshape({g}, {into})", "∂L/∂{a} += reshape(∂L/∂{y}, shape of {a})") with { Reshapes = true }, null) with { Shape = ShapeRule.Reshape },
        Op(OpKind.TransposeAxes, "tpp", "TransposeAxes", "{y} = {a} with axes {b} and {c} swapped", W("{Adjoint}.TransposeAxes({g}, {b}, {c}, {into})", "∂L/∂{a} += ∂L/∂{y} with axes {b} and {c} swapped back", Reads.B | Reads.C), null, null) with { Shape = ShapeRule.TransposeAxes },
        Op(OpKind.Permute, "tp", "Permute", "{y} = permute({a}, {b})", W("{Adjoint}.Permute({g}, {b}, {into})", "∂L/∂{a} += permute⁻¹(∂L/∂{y}, {b})", Reads.B), null) with { Shape = ShapeRule.Permute },
        Op(OpKind.Slice, "tppp", "Slice", "{y} = {a}[{c} .. {c}+{d}) along axis {b}", W("{Adjoint}.Slice({g}, {b}, {c}, {into})", "∂L/∂{a}[{c} .. {c}+{d}) along axis {b} += ∂L/∂{y}", Reads.B | Reads.C), null, null, null) with { Shape = ShapeRule.Slice },
        Op(OpKind.SplitHeads, "tpppp", "SplitHeads", "{y} = {a}[{c} .. {c}+{d}) along axis {b} reshaped to {e} ([.., T, NH, hs]) with T and NH swapped", W("{Adjoint}.SplitHeads({g}, {b}, {c}, {into})", "∂L/∂{a}[{c} .. {c}+{d}) along axis {b} += ∂L/∂{y} with NH and T swapped back", Reads.B | Reads.C), null, null, null, null) with { Shape = ShapeRule.Unknown, Note = "one pass of head rows" },
        Op(OpKind.MergeHeads, "tppp", "MergeHeads", "{y} = reshape({a} with axes {b} and {c} swapped, {d})", W("{Adjoint}.MergeHeads({g}, {b}, {c}, {into})", "∂L/∂{a} += reshape(∂L/∂{y}) with axes {b} and {c} swapped back", Reads.B | Reads.C), null, null, null) with { Shape = ShapeRule.Unknown, Note = "one pass of head rows" },
        Op(OpKind.Split, "tpp", "Split", "{y} = {a} cut into {c} equal parts along axis {b}", W("{Adjoint}.Split({g}, {b}, {into})", "∂L/∂{a} += the parts' gradients ∂L/∂{y}[i] joined along axis {b}", Reads.B), null, null) with { Shape = ShapeRule.Parts },
        Op(OpKind.Concat, "pc", "Concat", "{y} = the parts {b}[i] joined along axis {a}", null, A("{Adjoint}.Concat({g}, {a}, {b}, {into})", "∂L/∂{b}[i] += the range of ∂L/∂{y} along axis {a} that {b}[i] filled", Reads.A | Reads.B)) with { Shape = ShapeRule.Parts },
    };
}
