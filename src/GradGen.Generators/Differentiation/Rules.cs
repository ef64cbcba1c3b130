using System.Collections.Generic;
using GradGen.Generators.Model;

namespace GradGen.Generators.Differentiation;

/// <summary>What a rule adds to the gradient of one operand: the code, and the same in math for the comment.</summary>
internal sealed record Adjoint(string Code, string Math)
{
    /// <summary>True when the operand receives the upstream gradient unchanged (up to broadcasting), as both operands of a + b do.</summary>
    public bool PassThrough => Code == "{Adjoint}.Identity({g}, {into})";
}

/// <summary>
/// One differentiation rule: how an op is computed in the forward sweep and what it contributes to the gradient
/// of each operand in the backward sweep, with the math the emitted comment states.
/// </summary>
/// <remarks>
/// Templates are C# text with placeholders: <c>{a}</c>, <c>{b}</c> operands, <c>{y}</c> the result, <c>{g}</c> the
/// upstream gradient ∂L/∂y, <c>{into}</c> the operand's gradient buffer (tensor adjoints are kernels that accumulate
/// into it; scalar adjoints are expressions the emitter adds with <c>+=</c>), <c>{T}</c> the element type keyword,
/// <c>{Ta}</c> the element type keyword of operand a, <c>{M}</c> <c>System.Math</c> or <c>System.MathF</c>,
/// <c>{1}</c> and <c>{2}</c> typed literals, <c>{Ops}</c> and <c>{Adjoint}</c> the runtime classes.
/// </remarks>
/// <param name="Signature">The operand kinds: <c>s</c> scalar, <c>t</c> tensor, <c>p</c> passive (no gradient flows).</param>
/// <param name="Math">The forward op in math, e.g. <c>{y} = {a}·{b}</c>.</param>
/// <param name="Adjoints">Per operand, its adjoint, or null where no gradient flows.</param>
internal sealed record Rule(OpKind Op, string Signature, string Forward, string Math, params Adjoint?[] Adjoints)
{
    /// <summary>A remark appended to the comment, e.g. that broadcast operands receive sums.</summary>
    public string? Note { get; init; }
}

/// <summary>The one rule table of GradGen. Adding an op means adding its rows here (and lowering it in <c>OpCatalog</c>).</summary>
internal static class Rules
{
    private static readonly Rule[] Table =
    {
        // ── scalar arithmetic ──────────────────────────────────────────────────────────────
        new(OpKind.Add, "ss", "{a} + {b}", "{y} = {a} + {b}", A("{g}", "∂L/∂{a} += ∂L/∂{y}"), A("{g}", "∂L/∂{b} += ∂L/∂{y}")),
        new(OpKind.Subtract, "ss", "{a} - {b}", "{y} = {a} − {b}", A("{g}", "∂L/∂{a} += ∂L/∂{y}"), A("-{g}", "∂L/∂{b} −= ∂L/∂{y}")),
        new(OpKind.Multiply, "ss", "{a} * {b}", "{y} = {a}·{b}", A("{g} * {b}", "∂L/∂{a} += ∂L/∂{y}·{b}"), A("{g} * {a}", "∂L/∂{b} += ∂L/∂{y}·{a}")),
        new(OpKind.Divide, "ss", "{a} / {b}", "{y} = {a} / {b}", A("{g} / {b}", "∂L/∂{a} += ∂L/∂{y} / {b}"), A("-{g} * {y} / {b}", "∂L/∂{b} −= ∂L/∂{y}·{y} / {b}")),
        new(OpKind.Negate, "s", "-{a}", "{y} = −{a}", A("-{g}", "∂L/∂{a} −= ∂L/∂{y}")),
        new(OpKind.Convert, "s", "({T}){a}", "{y} = ({T}){a}", A("({Ta}){g}", "∂L/∂{a} += ∂L/∂{y}")),
        new(OpKind.Convert, "p", "({T}){a}", "{y} = ({T}){a}", (Adjoint?)null),

        // ── scalar functions (Math / MathF) ────────────────────────────────────────────────
        new(OpKind.Exp, "s", "{M}.Exp({a})", "{y} = exp({a})", A("{g} * {y}", "∂L/∂{a} += ∂L/∂{y}·{y}")),
        new(OpKind.Log, "s", "{M}.Log({a})", "{y} = ln({a})", A("{g} / {a}", "∂L/∂{a} += ∂L/∂{y} / {a}")),
        new(OpKind.Sqrt, "s", "{M}.Sqrt({a})", "{y} = √{a}", A("{g} / ({2} * {y})", "∂L/∂{a} += ∂L/∂{y} / (2·{y})")),
        new(OpKind.Sin, "s", "{M}.Sin({a})", "{y} = sin({a})", A("{g} * {M}.Cos({a})", "∂L/∂{a} += ∂L/∂{y}·cos({a})")),
        new(OpKind.Cos, "s", "{M}.Cos({a})", "{y} = cos({a})", A("-{g} * {M}.Sin({a})", "∂L/∂{a} −= ∂L/∂{y}·sin({a})")),
        new(OpKind.Tanh, "s", "{M}.Tanh({a})", "{y} = tanh({a})", A("{g} * ({1} - {y} * {y})", "∂L/∂{a} += ∂L/∂{y}·(1 − {y}²)")),
        new(OpKind.Pow, "ss", "{M}.Pow({a}, {b})", "{y} = {a}^{b}", A("{g} * {b} * {M}.Pow({a}, {b} - {1})", "∂L/∂{a} += ∂L/∂{y}·{b}·{a}^({b}−1)"), A("{g} * {y} * {M}.Log({a})", "∂L/∂{b} += ∂L/∂{y}·{y}·ln({a})")),
        new(OpKind.Abs, "s", "{M}.Abs({a})", "{y} = |{a}|", A("{g} * {M}.Sign({a})", "∂L/∂{a} += ∂L/∂{y}·sign({a})")),
        new(OpKind.Max, "ss", "{M}.Max({a}, {b})", "{y} = max({a}, {b})", A("({a} >= {b} ? {g} : 0)", "∂L/∂{a} += ∂L/∂{y}·1[{a} ≥ {b}]"), A("({a} >= {b} ? 0 : {g})", "∂L/∂{b} += ∂L/∂{y}·1[{a} < {b}]")),
        new(OpKind.Min, "ss", "{M}.Min({a}, {b})", "{y} = min({a}, {b})", A("({a} <= {b} ? {g} : 0)", "∂L/∂{a} += ∂L/∂{y}·1[{a} ≤ {b}]"), A("({a} <= {b} ? 0 : {g})", "∂L/∂{b} += ∂L/∂{y}·1[{a} > {b}]")),

        // ── tensor element-wise arithmetic (broadcast operands receive gradients summed back to their shape) ──
        new(OpKind.Add, "tt", "{Ops}.Add({a}, {b})", "{y} = {a} + {b}", A("{Adjoint}.Identity({g}, {into})", "∂L/∂{a} += ∂L/∂{y}"), A("{Adjoint}.Identity({g}, {into})", "∂L/∂{b} += ∂L/∂{y}")) { Note = "summed over broadcast axes" },
        new(OpKind.Add, "ts", "{Ops}.Add({a}, {b})", "{y} = {a} + {b}", A("{Adjoint}.Identity({g}, {into})", "∂L/∂{a} += ∂L/∂{y}"), A("{Ops}.Sum({g})", "∂L/∂{b} += Σ ∂L/∂{y}")),
        new(OpKind.Add, "st", "{Ops}.Add({a}, {b})", "{y} = {a} + {b}", A("{Ops}.Sum({g})", "∂L/∂{a} += Σ ∂L/∂{y}"), A("{Adjoint}.Identity({g}, {into})", "∂L/∂{b} += ∂L/∂{y}")),
        new(OpKind.Subtract, "tt", "{Ops}.Subtract({a}, {b})", "{y} = {a} − {b}", A("{Adjoint}.Identity({g}, {into})", "∂L/∂{a} += ∂L/∂{y}"), A("{Adjoint}.Scaled({g}, -{1}, {into})", "∂L/∂{b} −= ∂L/∂{y}")) { Note = "summed over broadcast axes" },
        new(OpKind.Subtract, "ts", "{Ops}.Subtract({a}, {b})", "{y} = {a} − {b}", A("{Adjoint}.Identity({g}, {into})", "∂L/∂{a} += ∂L/∂{y}"), A("-{Ops}.Sum({g})", "∂L/∂{b} −= Σ ∂L/∂{y}")),
        new(OpKind.Subtract, "st", "{Ops}.Subtract({a}, {b})", "{y} = {a} − {b}", A("{Ops}.Sum({g})", "∂L/∂{a} += Σ ∂L/∂{y}"), A("{Adjoint}.Scaled({g}, -{1}, {into})", "∂L/∂{b} −= ∂L/∂{y}")),
        new(OpKind.Multiply, "tt", "{Ops}.Multiply({a}, {b})", "{y} = {a} ⊙ {b}", A("{Adjoint}.Multiply({g}, {b}, {into})", "∂L/∂{a} += ∂L/∂{y} ⊙ {b}"), A("{Adjoint}.Multiply({g}, {a}, {into})", "∂L/∂{b} += ∂L/∂{y} ⊙ {a}")) { Note = "the Hadamard rule, summed over broadcast axes" },
        new(OpKind.Multiply, "ts", "{Ops}.Multiply({a}, {b})", "{y} = {a}·{b}", A("{Adjoint}.Scaled({g}, {b}, {into})", "∂L/∂{a} += {b}·∂L/∂{y}"), A("{Adjoint}.Dot({g}, {a})", "∂L/∂{b} += Σ ∂L/∂{y} ⊙ {a}")),
        new(OpKind.Multiply, "st", "{Ops}.Multiply({a}, {b})", "{y} = {a}·{b}", A("{Adjoint}.Dot({g}, {b})", "∂L/∂{a} += Σ ∂L/∂{y} ⊙ {b}"), A("{Adjoint}.Scaled({g}, {a}, {into})", "∂L/∂{b} += {a}·∂L/∂{y}")),
        new(OpKind.Divide, "tt", "{Ops}.Divide({a}, {b})", "{y} = {a} ⊘ {b}", A("{Adjoint}.DivideNumerator({g}, {b}, {into})", "∂L/∂{a} += ∂L/∂{y} ⊘ {b}"), A("{Adjoint}.DivideDenominator({g}, {y}, {b}, {into})", "∂L/∂{b} −= ∂L/∂{y} ⊙ {y} ⊘ {b}")) { Note = "summed over broadcast axes" },
        new(OpKind.Divide, "ts", "{Ops}.Divide({a}, {b})", "{y} = {a} / {b}", A("{Adjoint}.Scaled({g}, {1} / {b}, {into})", "∂L/∂{a} += ∂L/∂{y} / {b}"), A("-{Adjoint}.Dot({g}, {y}) / {b}", "∂L/∂{b} −= Σ ∂L/∂{y} ⊙ {y} / {b}")),
        new(OpKind.Divide, "st", "{Ops}.Divide({a}, {b})", "{y} = {a} ⊘ {b}", A("{Adjoint}.SumDivide({g}, {b})", "∂L/∂{a} += Σ ∂L/∂{y} ⊘ {b}"), A("{Adjoint}.DivideDenominator({g}, {y}, {b}, {into})", "∂L/∂{b} −= ∂L/∂{y} ⊙ {y} ⊘ {b}")),
        new(OpKind.Negate, "t", "{Ops}.Negate({a})", "{y} = −{a}", A("{Adjoint}.Scaled({g}, -{1}, {into})", "∂L/∂{a} −= ∂L/∂{y}")),

        // ── tensor functions (GradGen.Ops) ─────────────────────────────────────────────────
        new(OpKind.MatMul, "tt", "{Ops}.MatMul({a}, {b})", "{y} = {a}·{b}", A("{Adjoint}.MatMulLeft({g}, {b}, {into})", "∂L/∂{a} += ∂L/∂{y}·{b}ᵀ"), A("{Adjoint}.MatMulRight({a}, {g}, {into})", "∂L/∂{b} += {a}ᵀ·∂L/∂{y}")),
        new(OpKind.Transpose, "t", "{Ops}.Transpose({a})", "{y} = {a}ᵀ", A("{Adjoint}.Transpose({g}, {into})", "∂L/∂{a} += (∂L/∂{y})ᵀ")),
        new(OpKind.Relu, "t", "{Ops}.Relu({a})", "{y} = ReLU({a})", A("{Adjoint}.Relu({g}, {a}, {into})", "∂L/∂{a} += ∂L/∂{y} ⊙ 1[{a} > 0]")),
        new(OpKind.Sigmoid, "t", "{Ops}.Sigmoid({a})", "{y} = σ({a})", A("{Adjoint}.Sigmoid({g}, {y}, {into})", "∂L/∂{a} += ∂L/∂{y} ⊙ {y} ⊙ (1 − {y})")),
        new(OpKind.Tanh, "t", "{Ops}.Tanh({a})", "{y} = tanh({a})", A("{Adjoint}.Tanh({g}, {y}, {into})", "∂L/∂{a} += ∂L/∂{y} ⊙ (1 − {y}²)")),
        new(OpKind.Exp, "t", "{Ops}.Exp({a})", "{y} = exp({a})", A("{Adjoint}.Exp({g}, {y}, {into})", "∂L/∂{a} += ∂L/∂{y} ⊙ {y}")),
        new(OpKind.Log, "t", "{Ops}.Log({a})", "{y} = ln({a})", A("{Adjoint}.Log({g}, {a}, {into})", "∂L/∂{a} += ∂L/∂{y} ⊘ {a}")),
        new(OpKind.Sqrt, "t", "{Ops}.Sqrt({a})", "{y} = √{a}", A("{Adjoint}.Sqrt({g}, {y}, {into})", "∂L/∂{a} += ∂L/∂{y} ⊘ (2·{y})")),
        new(OpKind.Square, "t", "{Ops}.Square({a})", "{y} = {a}²", A("{Adjoint}.Square({g}, {a}, {into})", "∂L/∂{a} += 2·∂L/∂{y} ⊙ {a}")),
        new(OpKind.Sum, "t", "{Ops}.Sum({a})", "{y} = Σ {a}", A("{Adjoint}.Fill({g}, {into})", "∂L/∂{a} += ∂L/∂{y} (broadcast to every element)")),
        new(OpKind.Mean, "t", "{Ops}.Mean({a})", "{y} = mean({a})", A("{Adjoint}.Mean({g}, {into})", "∂L/∂{a} += ∂L/∂{y} / n (broadcast to every element)")),
        new(OpKind.Softmax, "t", "{Ops}.Softmax({a})", "{y} = softmax({a}) (last axis)", A("{Adjoint}.Softmax({g}, {y}, {into})", "∂L/∂{a} += {y} ⊙ (∂L/∂{y} − Σ_last(∂L/∂{y} ⊙ {y}))")),
        new(OpKind.SoftmaxCrossEntropy, "tp", "{Ops}.SoftmaxCrossEntropy({a}, {b})", "{y} = softmax-CE({a}, {b})", A("{Adjoint}.SoftmaxCrossEntropy({g}, {a}, {b}, {into})", "∂L/∂{a} += ∂L/∂{y}·(softmax({a}) − onehot({b})) / N"), null),
    };

    private static Adjoint A(string code, string math) => new(code, math);

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
