using GradGen.Generators.Model;

namespace GradGen.Generators.Differentiation;

internal static partial class Rules
{
    /// <summary>Scalar arithmetic and the <c>Math</c>/<c>MathF</c> functions.</summary>
    private static readonly Rule[] Scalar =
    {
        Expression(OpKind.Add, "ss", "{a} + {b}", "{y} = {a} + {b}", A("{g}", "∂L/∂{a} += ∂L/∂{y}"), A("{g}", "∂L/∂{b} += ∂L/∂{y}")),
        Expression(OpKind.Subtract, "ss", "{a} - {b}", "{y} = {a} − {b}", A("{g}", "∂L/∂{a} += ∂L/∂{y}"), A("-{g}", "∂L/∂{b} −= ∂L/∂{y}")),
        Expression(OpKind.Multiply, "ss", "{a} * {b}", "{y} = {a}·{b}", A("{g} * {b}", "∂L/∂{a} += ∂L/∂{y}·{b}", Reads.B), A("{g} * {a}", "∂L/∂{b} += ∂L/∂{y}·{a}", Reads.A)),
        Expression(OpKind.Divide, "ss", "{a} / {b}", "{y} = {a} / {b}", A("{g} / {b}", "∂L/∂{a} += ∂L/∂{y} / {b}", Reads.B), A("-{g} * {y} / {b}", "∂L/∂{b} −= ∂L/∂{y}·{y} / {b}", Reads.Y | Reads.B)),
        Expression(OpKind.Negate, "s", "-{a}", "{y} = −{a}", A("-{g}", "∂L/∂{a} −= ∂L/∂{y}")),
        Expression(OpKind.Convert, "s", "({T}){a}", "{y} = ({T}){a}", A("({Ta}){g}", "∂L/∂{a} += ∂L/∂{y}")),
        Expression(OpKind.Convert, "p", "({T}){a}", "{y} = ({T}){a}", (OperandAdjoint?)null),

        MathFunction(OpKind.Exp, "s", "Exp", "{y} = exp({a})", A("{g} * {y}", "∂L/∂{a} += ∂L/∂{y}·{y}", Reads.Y)),
        MathFunction(OpKind.Log, "s", "Log", "{y} = ln({a})", A("{g} / {a}", "∂L/∂{a} += ∂L/∂{y} / {a}", Reads.A)),
        MathFunction(OpKind.Sqrt, "s", "Sqrt", "{y} = √{a}", A("{g} / ({2} * {y})", "∂L/∂{a} += ∂L/∂{y} / (2·{y})", Reads.Y)),
        MathFunction(OpKind.Sin, "s", "Sin", "{y} = sin({a})", A("{g} * {M}.Cos({a})", "∂L/∂{a} += ∂L/∂{y}·cos({a})", Reads.A)),
        MathFunction(OpKind.Cos, "s", "Cos", "{y} = cos({a})", A("-{g} * {M}.Sin({a})", "∂L/∂{a} −= ∂L/∂{y}·sin({a})", Reads.A)),
        MathFunction(OpKind.Tanh, "s", "Tanh", "{y} = tanh({a})", A("{g} * ({1} - {y} * {y})", "∂L/∂{a} += ∂L/∂{y}·(1 − {y}²)", Reads.Y)),
        MathFunction(OpKind.Pow, "ss", "Pow", "{y} = {a}^{b}", A("{g} * {b} * {M}.Pow({a}, {b} - {1})", "∂L/∂{a} += ∂L/∂{y}·{b}·{a}^({b}−1)", Reads.A | Reads.B), A("{g} * {y} * {M}.Log({a})", "∂L/∂{b} += ∂L/∂{y}·{y}·ln({a})", Reads.Y | Reads.A)),
        MathFunction(OpKind.Abs, "s", "Abs", "{y} = |{a}|", A("{g} * {M}.Sign({a})", "∂L/∂{a} += ∂L/∂{y}·sign({a})", Reads.A)),
        MathFunction(OpKind.Max, "ss", "Max", "{y} = max({a}, {b})", A("({a} >= {b} ? {g} : 0)", "∂L/∂{a} += ∂L/∂{y}·1[{a} ≥ {b}]", Reads.A | Reads.B), A("({a} >= {b} ? 0 : {g})", "∂L/∂{b} += ∂L/∂{y}·1[{a} < {b}]", Reads.A | Reads.B)),
        MathFunction(OpKind.Min, "ss", "Min", "{y} = min({a}, {b})", A("({a} <= {b} ? {g} : 0)", "∂L/∂{a} += ∂L/∂{y}·1[{a} ≤ {b}]", Reads.A | Reads.B), A("({a} <= {b} ? 0 : {g})", "∂L/∂{b} += ∂L/∂{y}·1[{a} > {b}]", Reads.A | Reads.B)),
    };
}
