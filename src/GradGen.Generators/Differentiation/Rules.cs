using System.Collections.Generic;
using GradGen.Generators.Model;

namespace GradGen.Generators.Differentiation;

/// <summary>
/// One differentiation rule: how an op is computed in the forward sweep and what it contributes to the adjoint
/// of each operand in the backward sweep, with the comment that states the rule in math.
/// </summary>
/// <remarks>
/// Templates are C# text with placeholders: <c>{a}</c>, <c>{b}</c> operands, <c>{y}</c> the result, <c>{g}</c> the
/// upstream gradient ∂L/∂y, <c>{into}</c> the operand's gradient buffer (tensor adjoints are kernels that accumulate
/// into it; scalar adjoints are expressions the emitter adds with <c>+=</c>), <c>{T}</c> the element type keyword,
/// <c>{Ta}</c> the element type keyword of operand a, <c>{M}</c> <c>System.Math</c> or <c>System.MathF</c>, <c>{1}</c> and <c>{2}</c> typed literals,
/// <c>{Ops}</c> and <c>{Adjoint}</c> the runtime classes.
/// </remarks>
/// <param name="Signature">The operand kinds: <c>s</c> scalar, <c>t</c> tensor, <c>p</c> passive (no gradient flows).</param>
/// <param name="Adjoints">Per operand, its adjoint template, or null where no gradient flows.</param>
internal sealed record Rule(OpKind Op, string Signature, string Forward, string Comment, params string?[] Adjoints);

/// <summary>The one rule table of GradGen. Adding an op means adding its rows here (and lowering it in <c>OpCatalog</c>).</summary>
internal static class Rules
{
    private static readonly Rule[] Table =
    {
        // ── scalar arithmetic ──────────────────────────────────────────────────────────────
        new(OpKind.Add, "ss", "{a} + {b}", "{y} = {a} + {b}  ⇒  ∂L/∂{a} += ∂L/∂{y},  ∂L/∂{b} += ∂L/∂{y}", "{g}", "{g}"),
        new(OpKind.Subtract, "ss", "{a} - {b}", "{y} = {a} − {b}  ⇒  ∂L/∂{a} += ∂L/∂{y},  ∂L/∂{b} −= ∂L/∂{y}", "{g}", "-{g}"),
        new(OpKind.Multiply, "ss", "{a} * {b}", "{y} = {a}·{b}  ⇒  ∂L/∂{a} += ∂L/∂{y}·{b},  ∂L/∂{b} += ∂L/∂{y}·{a}", "{g} * {b}", "{g} * {a}"),
        new(OpKind.Divide, "ss", "{a} / {b}", "{y} = {a} / {b}  ⇒  ∂L/∂{a} += ∂L/∂{y} / {b},  ∂L/∂{b} −= ∂L/∂{y}·{y} / {b}", "{g} / {b}", "-{g} * {y} / {b}"),
        new(OpKind.Negate, "s", "-{a}", "{y} = −{a}  ⇒  ∂L/∂{a} −= ∂L/∂{y}", "-{g}"),
        new(OpKind.Convert, "s", "({T}){a}", "{y} = ({T}){a}  ⇒  ∂L/∂{a} += ∂L/∂{y}", "({Ta}){g}"),
        new(OpKind.Convert, "p", "({T}){a}", "{y} = ({T}){a}  (passive: no gradient)", (string?)null),

        // ── scalar functions (Math / MathF) ────────────────────────────────────────────────
        new(OpKind.Exp, "s", "{M}.Exp({a})", "{y} = exp({a})  ⇒  ∂L/∂{a} += ∂L/∂{y}·{y}", "{g} * {y}"),
        new(OpKind.Log, "s", "{M}.Log({a})", "{y} = ln({a})  ⇒  ∂L/∂{a} += ∂L/∂{y} / {a}", "{g} / {a}"),
        new(OpKind.Sqrt, "s", "{M}.Sqrt({a})", "{y} = √{a}  ⇒  ∂L/∂{a} += ∂L/∂{y} / (2·{y})", "{g} / ({2} * {y})"),
        new(OpKind.Sin, "s", "{M}.Sin({a})", "{y} = sin({a})  ⇒  ∂L/∂{a} += ∂L/∂{y}·cos({a})", "{g} * {M}.Cos({a})"),
        new(OpKind.Cos, "s", "{M}.Cos({a})", "{y} = cos({a})  ⇒  ∂L/∂{a} −= ∂L/∂{y}·sin({a})", "-{g} * {M}.Sin({a})"),
        new(OpKind.Tanh, "s", "{M}.Tanh({a})", "{y} = tanh({a})  ⇒  ∂L/∂{a} += ∂L/∂{y}·(1 − {y}²)", "{g} * ({1} - {y} * {y})"),
        new(OpKind.Pow, "ss", "{M}.Pow({a}, {b})", "{y} = {a}^{b}  ⇒  ∂L/∂{a} += ∂L/∂{y}·{b}·{a}^({b}−1),  ∂L/∂{b} += ∂L/∂{y}·{y}·ln({a})", "{g} * {b} * {M}.Pow({a}, {b} - {1})", "{g} * {y} * {M}.Log({a})"),
        new(OpKind.Abs, "s", "{M}.Abs({a})", "{y} = |{a}|  ⇒  ∂L/∂{a} += ∂L/∂{y}·sign({a})", "{g} * {M}.Sign({a})"),
        new(OpKind.Max, "ss", "{M}.Max({a}, {b})", "{y} = max({a}, {b})  ⇒  the larger operand receives ∂L/∂{y} ({a} on ties)", "({a} >= {b} ? {g} : 0)", "({a} >= {b} ? 0 : {g})"),
        new(OpKind.Min, "ss", "{M}.Min({a}, {b})", "{y} = min({a}, {b})  ⇒  the smaller operand receives ∂L/∂{y} ({a} on ties)", "({a} <= {b} ? {g} : 0)", "({a} <= {b} ? 0 : {g})"),

        // ── tensor element-wise arithmetic (broadcast operands receive gradients summed back to their shape) ──
        new(OpKind.Add, "tt", "{Ops}.Add({a}, {b})", "{y} = {a} + {b}  ⇒  ∂L/∂{a} += ∂L/∂{y},  ∂L/∂{b} += ∂L/∂{y}  (summed over broadcast axes)", "{Adjoint}.Identity({g}, {into})", "{Adjoint}.Identity({g}, {into})"),
        new(OpKind.Add, "ts", "{Ops}.Add({a}, {b})", "{y} = {a} + {b}  ⇒  ∂L/∂{a} += ∂L/∂{y},  ∂L/∂{b} += Σ ∂L/∂{y}", "{Adjoint}.Identity({g}, {into})", "{Ops}.Sum({g})"),
        new(OpKind.Add, "st", "{Ops}.Add({a}, {b})", "{y} = {a} + {b}  ⇒  ∂L/∂{a} += Σ ∂L/∂{y},  ∂L/∂{b} += ∂L/∂{y}", "{Ops}.Sum({g})", "{Adjoint}.Identity({g}, {into})"),
        new(OpKind.Subtract, "tt", "{Ops}.Subtract({a}, {b})", "{y} = {a} − {b}  ⇒  ∂L/∂{a} += ∂L/∂{y},  ∂L/∂{b} −= ∂L/∂{y}  (summed over broadcast axes)", "{Adjoint}.Identity({g}, {into})", "{Adjoint}.Scaled({g}, -{1}, {into})"),
        new(OpKind.Subtract, "ts", "{Ops}.Subtract({a}, {b})", "{y} = {a} − {b}  ⇒  ∂L/∂{a} += ∂L/∂{y},  ∂L/∂{b} −= Σ ∂L/∂{y}", "{Adjoint}.Identity({g}, {into})", "-{Ops}.Sum({g})"),
        new(OpKind.Subtract, "st", "{Ops}.Subtract({a}, {b})", "{y} = {a} − {b}  ⇒  ∂L/∂{a} += Σ ∂L/∂{y},  ∂L/∂{b} −= ∂L/∂{y}", "{Ops}.Sum({g})", "{Adjoint}.Scaled({g}, -{1}, {into})"),
        new(OpKind.Multiply, "tt", "{Ops}.Multiply({a}, {b})", "{y} = {a} ⊙ {b}  ⇒  ∂L/∂{a} += ∂L/∂{y} ⊙ {b},  ∂L/∂{b} += ∂L/∂{y} ⊙ {a}  (Hadamard rule)", "{Adjoint}.Multiply({g}, {b}, {into})", "{Adjoint}.Multiply({g}, {a}, {into})"),
        new(OpKind.Multiply, "ts", "{Ops}.Multiply({a}, {b})", "{y} = {a}·{b}  ⇒  ∂L/∂{a} += {b}·∂L/∂{y},  ∂L/∂{b} += Σ ∂L/∂{y} ⊙ {a}", "{Adjoint}.Scaled({g}, {b}, {into})", "{Adjoint}.Dot({g}, {a})"),
        new(OpKind.Multiply, "st", "{Ops}.Multiply({a}, {b})", "{y} = {a}·{b}  ⇒  ∂L/∂{a} += Σ ∂L/∂{y} ⊙ {b},  ∂L/∂{b} += {a}·∂L/∂{y}", "{Adjoint}.Dot({g}, {b})", "{Adjoint}.Scaled({g}, {a}, {into})"),
        new(OpKind.Divide, "tt", "{Ops}.Divide({a}, {b})", "{y} = {a} ⊘ {b}  ⇒  ∂L/∂{a} += ∂L/∂{y} ⊘ {b},  ∂L/∂{b} −= ∂L/∂{y} ⊙ {y} ⊘ {b}", "{Adjoint}.DivideNumerator({g}, {b}, {into})", "{Adjoint}.DivideDenominator({g}, {y}, {b}, {into})"),
        new(OpKind.Divide, "ts", "{Ops}.Divide({a}, {b})", "{y} = {a} / {b}  ⇒  ∂L/∂{a} += ∂L/∂{y} / {b},  ∂L/∂{b} −= Σ ∂L/∂{y} ⊙ {y} / {b}", "{Adjoint}.Scaled({g}, {1} / {b}, {into})", "-{Adjoint}.Dot({g}, {y}) / {b}"),
        new(OpKind.Divide, "st", "{Ops}.Divide({a}, {b})", "{y} = {a} ⊘ {b}  ⇒  ∂L/∂{a} += Σ ∂L/∂{y} ⊘ {b},  ∂L/∂{b} −= ∂L/∂{y} ⊙ {y} ⊘ {b}", "{Adjoint}.SumDivide({g}, {b})", "{Adjoint}.DivideDenominator({g}, {y}, {b}, {into})"),
        new(OpKind.Negate, "t", "{Ops}.Negate({a})", "{y} = −{a}  ⇒  ∂L/∂{a} −= ∂L/∂{y}", "{Adjoint}.Scaled({g}, -{1}, {into})"),

        // ── tensor functions (GradGen.Ops) ─────────────────────────────────────────────────
        new(OpKind.MatMul, "tt", "{Ops}.MatMul({a}, {b})", "{y} = {a}·{b}  ⇒  ∂L/∂{a} += ∂L/∂{y}·{b}ᵀ,  ∂L/∂{b} += {a}ᵀ·∂L/∂{y}", "{Adjoint}.MatMulLeft({g}, {b}, {into})", "{Adjoint}.MatMulRight({a}, {g}, {into})"),
        new(OpKind.Transpose, "t", "{Ops}.Transpose({a})", "{y} = {a}ᵀ  ⇒  ∂L/∂{a} += (∂L/∂{y})ᵀ", "{Adjoint}.Transpose({g}, {into})"),
        new(OpKind.Relu, "t", "{Ops}.Relu({a})", "{y} = ReLU({a})  ⇒  ∂L/∂{a} += ∂L/∂{y} ⊙ 1[{a} > 0]", "{Adjoint}.Relu({g}, {a}, {into})"),
        new(OpKind.Sigmoid, "t", "{Ops}.Sigmoid({a})", "{y} = σ({a})  ⇒  ∂L/∂{a} += ∂L/∂{y} ⊙ {y} ⊙ (1 − {y})", "{Adjoint}.Sigmoid({g}, {y}, {into})"),
        new(OpKind.Tanh, "t", "{Ops}.Tanh({a})", "{y} = tanh({a})  ⇒  ∂L/∂{a} += ∂L/∂{y} ⊙ (1 − {y}²)", "{Adjoint}.Tanh({g}, {y}, {into})"),
        new(OpKind.Exp, "t", "{Ops}.Exp({a})", "{y} = exp({a})  ⇒  ∂L/∂{a} += ∂L/∂{y} ⊙ {y}", "{Adjoint}.Exp({g}, {y}, {into})"),
        new(OpKind.Log, "t", "{Ops}.Log({a})", "{y} = ln({a})  ⇒  ∂L/∂{a} += ∂L/∂{y} ⊘ {a}", "{Adjoint}.Log({g}, {a}, {into})"),
        new(OpKind.Sqrt, "t", "{Ops}.Sqrt({a})", "{y} = √{a}  ⇒  ∂L/∂{a} += ∂L/∂{y} ⊘ (2·{y})", "{Adjoint}.Sqrt({g}, {y}, {into})"),
        new(OpKind.Square, "t", "{Ops}.Square({a})", "{y} = {a}²  ⇒  ∂L/∂{a} += 2·∂L/∂{y} ⊙ {a}", "{Adjoint}.Square({g}, {a}, {into})"),
        new(OpKind.Sum, "t", "{Ops}.Sum({a})", "{y} = Σ {a}  ⇒  ∂L/∂{a} += ∂L/∂{y} (broadcast to every element)", "{Adjoint}.Fill({g}, {into})"),
        new(OpKind.Mean, "t", "{Ops}.Mean({a})", "{y} = mean({a})  ⇒  ∂L/∂{a} += ∂L/∂{y} / n (broadcast to every element)", "{Adjoint}.Mean({g}, {into})"),
        new(OpKind.Softmax, "t", "{Ops}.Softmax({a})", "{y} = softmax({a}) (last axis)  ⇒  ∂L/∂{a} += {y} ⊙ (∂L/∂{y} − Σ_last(∂L/∂{y} ⊙ {y}))", "{Adjoint}.Softmax({g}, {y}, {into})"),
        new(OpKind.SoftmaxCrossEntropy, "tp", "{Ops}.SoftmaxCrossEntropy({a}, {b})", "{y} = softmax-CE({a}, {b})  ⇒  ∂L/∂{a} += ∂L/∂{y}·(softmax({a}) − onehot({b})) / N", "{Adjoint}.SoftmaxCrossEntropy({g}, {a}, {b}, {into})", null),
    };

    private static readonly Dictionary<(OpKind, string), Rule> ByKey = Build();

    private static Dictionary<(OpKind, string), Rule> Build()
    {
        var map = new Dictionary<(OpKind, string), Rule>();
        foreach (var rule in Table) map[(rule.Op, rule.Signature)] = rule;
        return map;
    }

    /// <summary>All rules, in table order (for documentation and tests).</summary>
    public static IReadOnlyList<Rule> All => Table;

    /// <summary>The rule for an op applied to operands of the given kinds, or null when there is none.</summary>
    public static Rule? Find(OpKind op, string signature) => ByKey.TryGetValue((op, signature), out var rule) ? rule : null;

    /// <summary>The signature letter of a value kind.</summary>
    public static char Letter(ValueKind kind) => kind switch
    {
        ValueKind.Scalar => 's',
        ValueKind.Tensor => 't',
        _ => 'p',
    };
}
