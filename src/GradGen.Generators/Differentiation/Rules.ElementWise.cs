using GradGen.Generators.Model;

namespace GradGen.Generators.Differentiation;

internal static partial class Rules
{
    /// <summary>Tensor element-wise ops: the Hadamard rule. Broadcast operands receive gradients summed back to their shape.</summary>
    private static readonly Rule[] ElementWise =
    {
        Op(OpKind.Add, "tt", "Add", "{y} = {a} + {b}", Pass("∂L/∂{a} += ∂L/∂{y}"), Pass("∂L/∂{b} += ∂L/∂{y}")) with { Note = "summed over broadcast axes" },
        Op(OpKind.Add, "ts", "Add", "{y} = {a} + {b}", Pass("∂L/∂{a} += ∂L/∂{y}"), A("{Ops}.Sum({g})", "∂L/∂{b} += Σ ∂L/∂{y}")),
        Op(OpKind.Add, "st", "Add", "{y} = {a} + {b}", A("{Ops}.Sum({g})", "∂L/∂{a} += Σ ∂L/∂{y}"), Pass("∂L/∂{b} += ∂L/∂{y}")),
        Op(OpKind.Subtract, "tt", "Subtract", "{y} = {a} − {b}", Pass("∂L/∂{a} += ∂L/∂{y}"), W("{Adjoint}.Scaled({g}, -{1}, {into})", "∂L/∂{b} −= ∂L/∂{y}")) with { Note = "summed over broadcast axes" },
        Op(OpKind.Subtract, "ts", "Subtract", "{y} = {a} − {b}", Pass("∂L/∂{a} += ∂L/∂{y}"), A("-{Ops}.Sum({g})", "∂L/∂{b} −= Σ ∂L/∂{y}")),
        Op(OpKind.Subtract, "st", "Subtract", "{y} = {a} − {b}", A("{Ops}.Sum({g})", "∂L/∂{a} += Σ ∂L/∂{y}"), W("{Adjoint}.Scaled({g}, -{1}, {into})", "∂L/∂{b} −= ∂L/∂{y}")),
        Op(OpKind.Multiply, "tt", "Multiply", "{y} = {a} ⊙ {b}", W("{Adjoint}.Multiply({g}, {b}, {into})", "∂L/∂{a} += ∂L/∂{y} ⊙ {b}", Reads.B), W("{Adjoint}.Multiply({g}, {a}, {into})", "∂L/∂{b} += ∂L/∂{y} ⊙ {a}", Reads.A)) with { Note = "the Hadamard rule, summed over broadcast axes" },
        Op(OpKind.Multiply, "ts", "Multiply", "{y} = {a}·{b}", W("{Adjoint}.Scaled({g}, {b}, {into})", "∂L/∂{a} += {b}·∂L/∂{y}", Reads.B), A("{Adjoint}.Dot({g}, {a})", "∂L/∂{b} += Σ ∂L/∂{y} ⊙ {a}", Reads.A)),
        Op(OpKind.Multiply, "st", "Multiply", "{y} = {a}·{b}", A("{Adjoint}.Dot({g}, {b})", "∂L/∂{a} += Σ ∂L/∂{y} ⊙ {b}", Reads.B), W("{Adjoint}.Scaled({g}, {a}, {into})", "∂L/∂{b} += {a}·∂L/∂{y}", Reads.A)),
        Op(OpKind.Divide, "tt", "Divide", "{y} = {a} ⊘ {b}", W("{Adjoint}.DivideNumerator({g}, {b}, {into})", "∂L/∂{a} += ∂L/∂{y} ⊘ {b}", Reads.B), W("{Adjoint}.DivideDenominator({g}, {y}, {b}, {into})", "∂L/∂{b} −= ∂L/∂{y} ⊙ {y} ⊘ {b}", Reads.Y | Reads.B)) with { Note = "summed over broadcast axes" },
        Op(OpKind.Divide, "ts", "Divide", "{y} = {a} / {b}", W("{Adjoint}.Scaled({g}, {1} / {b}, {into})", "∂L/∂{a} += ∂L/∂{y} / {b}", Reads.B), A("-{Adjoint}.Dot({g}, {y}) / {b}", "∂L/∂{b} −= Σ ∂L/∂{y} ⊙ {y} / {b}", Reads.Y | Reads.B)),
        Op(OpKind.Divide, "st", "Divide", "{y} = {a} ⊘ {b}", A("{Adjoint}.SumDivide({g}, {b})", "∂L/∂{a} += Σ ∂L/∂{y} ⊘ {b}", Reads.B), W("{Adjoint}.DivideDenominator({g}, {y}, {b}, {into})", "∂L/∂{b} −= ∂L/∂{y} ⊙ {y} ⊘ {b}", Reads.Y | Reads.B)),
        Op(OpKind.Negate, "t", "Negate", "{y} = −{a}", W("{Adjoint}.Scaled({g}, -{1}, {into})", "∂L/∂{a} −= ∂L/∂{y}")),

        Op(OpKind.Relu, "t", "Relu", "{y} = ReLU({a})", W("{Adjoint}.Relu({g}, {a}, {into})", "∂L/∂{a} += ∂L/∂{y} ⊙ 1[{a} > 0]", Reads.A)),
        Op(OpKind.Sigmoid, "t", "Sigmoid", "{y} = σ({a})", W("{Adjoint}.Sigmoid({g}, {y}, {into})", "∂L/∂{a} += ∂L/∂{y} ⊙ {y} ⊙ (1 − {y})", Reads.Y)),
        Op(OpKind.Tanh, "t", "Tanh", "{y} = tanh({a})", W("{Adjoint}.Tanh({g}, {y}, {into})", "∂L/∂{a} += ∂L/∂{y} ⊙ (1 − {y}²)", Reads.Y)),
        Op(OpKind.Exp, "t", "Exp", "{y} = exp({a})", W("{Adjoint}.Exp({g}, {y}, {into})", "∂L/∂{a} += ∂L/∂{y} ⊙ {y}", Reads.Y)),
        Op(OpKind.Log, "t", "Log", "{y} = ln({a})", W("{Adjoint}.Log({g}, {a}, {into})", "∂L/∂{a} += ∂L/∂{y} ⊘ {a}", Reads.A)),
        Op(OpKind.Sqrt, "t", "Sqrt", "{y} = √{a}", W("{Adjoint}.Sqrt({g}, {y}, {into})", "∂L/∂{a} += ∂L/∂{y} ⊘ (2·{y})", Reads.Y)),
        Op(OpKind.Square, "t", "Square", "{y} = {a}²", W("{Adjoint}.Square({g}, {a}, {into})", "∂L/∂{a} += 2·∂L/∂{y} ⊙ {a}", Reads.A)),
    };
}
