using System.Collections.Generic;
using System.Linq;
using GradGen.Generators.Model;

namespace GradGen.Generators.Differentiation;

/// <summary>
/// The one rule table of GradGen, one file per op family (<c>Rules.Scalar.cs</c>, <c>Rules.ElementWise.cs</c>, …).
/// Adding an op means adding its rows there and its kernels to the runtime; Lower's op catalogue is derived from the table.
/// </summary>
internal static partial class Rules
{
    private static readonly Rule[] Table;

    private static readonly Dictionary<(OpKind, string), Rule> ByKey;

    // A static constructor, not field initializers: it runs after the family tables of every partial file are initialised.
    static Rules()
    {
        Table = Scalar.Concat(ElementWise).Concat(LinearAlgebra).Concat(Reductions).Concat(Losses).Concat(Normalization).Concat(Indexing).Concat(Shape).ToArray();
        ByKey = Table.ToDictionary(rule => (rule.Op, rule.Signature));
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
        ValueKind.Container => 'c',
        _ => 'p',
    };

    // ── row builders ────────────────────────────────────────────────────────────────────

    /// <summary>A scalar op written as a C# expression (<c>{a} + {b}</c>).</summary>
    private static Rule Expression(OpKind op, string signature, string expression, string math, params OperandAdjoint?[] adjoints) =>
        new() { Op = op, Signature = signature, Expression = expression, Math = math, Adjoints = adjoints };

    /// <summary>A scalar op computed by a <c>System.Math</c>/<c>MathF</c> function of the same name the user calls.</summary>
    private static Rule MathFunction(OpKind op, string signature, string method, string math, params OperandAdjoint?[] adjoints) =>
        new() { Op = op, Signature = signature, MathMethod = method, Math = math, Adjoints = adjoints };

    /// <summary>A tensor op computed by the <c>GradGen.Ops</c> method of the same name the user calls.</summary>
    private static Rule Op(OpKind op, string signature, string opsMethod, string math, params OperandAdjoint?[] adjoints) =>
        new() { Op = op, Signature = signature, OpsMethod = opsMethod, Math = math, Adjoints = adjoints };

    /// <summary>An operand whose gradient a fused kernel adds (<see cref="Rule.Kernel"/>): only its math is stated here.</summary>
    private static OperandAdjoint Fused(string math) => new("", math, Reads.None);

    /// <summary>An adjoint that reads <paramref name="reads"/> besides the upstream gradient.</summary>
    private static OperandAdjoint A(string code, string math, Reads reads = Reads.None) => new(code, math, reads);

    /// <summary>An adjoint whose kernel can also write its contribution (<c>overwrite: true</c>): planning's first write.</summary>
    private static OperandAdjoint W(string code, string math, Reads reads = Reads.None) => new(code, math, reads, CanOverwrite: true);

    /// <summary>An adjoint that passes the upstream gradient on unchanged (summed over broadcast axes).</summary>
    private static OperandAdjoint Pass(string math) => new("{Adjoint}.Identity({g}, {into})", math, Reads.None, PassThrough: true, CanOverwrite: true);
}
