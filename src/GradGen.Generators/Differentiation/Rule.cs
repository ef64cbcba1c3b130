using System;
using GradGen.Generators.Model;

namespace GradGen.Generators.Differentiation;

/// <summary>Which of an op's values an adjoint reads (so the forward sweep must record them on the tape).</summary>
[Flags]
internal enum Reads
{
    None = 0,

    /// <summary>The first operand <c>{a}</c>.</summary>
    A = 1,

    /// <summary>The second operand <c>{b}</c>.</summary>
    B = 2,

    /// <summary>The result <c>{y}</c>.</summary>
    Y = 4,

    /// <summary>The third operand <c>{c}</c>.</summary>
    C = 8,

    /// <summary>The fourth operand <c>{d}</c>.</summary>
    D = 16,

    /// <summary>The fifth operand <c>{e}</c>.</summary>
    E = 32,
}

/// <summary>The operand placeholders of rule templates, by position.</summary>
internal static class Operand
{
    /// <summary><c>{a}</c>, <c>{b}</c>, … for operand 0, 1, ….</summary>
    public static readonly string[] Placeholders = { "{a}", "{b}", "{c}", "{d}", "{e}" };

    /// <summary>The gradient buffer of operand k in a fused kernel: <c>{into_a}</c>, <c>{into_b}</c>, ….</summary>
    public static readonly string[] Intos = { "{into_a}", "{into_b}", "{into_c}", "{into_d}", "{into_e}" };

    /// <summary>The <see cref="Reads"/> flag of operand k.</summary>
    public static readonly Reads[] Flags = { Reads.A, Reads.B, Reads.C, Reads.D, Reads.E };
}

/// <summary>What a rule adds to the gradient of one operand: the code, the same in math for the comment, and what it reads.</summary>
/// <param name="Code">
/// C# template. A tensor operand's adjoint is a kernel call that accumulates into <c>{into}</c>; a scalar operand's is an
/// expression the emitter adds with <c>+=</c>.
/// </param>
/// <param name="Reads">The op's values the code reads besides the upstream gradient <c>{g}</c>; a test checks it against the template.</param>
/// <param name="PassThrough">
/// True when the operand receives the upstream gradient unchanged (up to summing over broadcast axes), as both operands of
/// <c>a + b</c> do: the backward plan may then hand the upstream buffer on instead of copying it.
/// </param>
/// <param name="CanOverwrite">
/// The kernel takes <c>overwrite: true</c> after <c>{into}</c> and then writes the contribution instead of adding it: planning
/// uses it for a gradient's first contribution (<see cref="Planner"/>).
/// </param>
/// <param name="Reshapes">
/// True when the operand's gradient is the upstream gradient's elements in the same order, in the operand's shape (the
/// input of a reshape): planning may then take a view of the upstream buffer instead of copying it.
/// </param>
internal sealed record OperandAdjoint(string Code, string Math, Reads Reads, bool PassThrough = false, bool CanOverwrite = false, bool Reshapes = false);

/// <summary>
/// One differentiation rule: how an op is computed in the forward sweep and what it contributes to the gradient
/// of each operand in the backward sweep, with the math the emitted comment states.
/// </summary>
/// <remarks>
/// Templates are C# text with placeholders: <c>{a}</c>, <c>{b}</c> operands, <c>{y}</c> the result, <c>{g}</c> the
/// upstream gradient ∂L/∂y, <c>{into}</c> the operand's gradient buffer, <c>{T}</c> the element type keyword,
/// <c>{Ta}</c> the element type keyword of operand a, <c>{M}</c> <c>System.Math</c> or <c>System.MathF</c>,
/// <c>{1}</c> and <c>{2}</c> typed literals, <c>{Ops}</c> and <c>{Adjoint}</c> the runtime classes.
/// </remarks>
internal sealed record Rule
{
    /// <summary>The op this rule differentiates.</summary>
    public required OpKind Op { get; init; }

    /// <summary>The operand kinds: <c>s</c> scalar, <c>t</c> tensor, <c>c</c> an array of tensors (its gradient an array of their gradients), <c>p</c> passive (no gradient flows).</summary>
    public required string Signature { get; init; }

    /// <summary>The <c>GradGen.Ops</c> method that computes the op (and that a user calls), or null for a scalar expression.</summary>
    public string? OpsMethod { get; init; }

    /// <summary>The <c>System.Math</c>/<c>MathF</c> function that computes a scalar op (and that a user calls), if any.</summary>
    public string? MathMethod { get; init; }

    /// <summary>The forward expression template of a scalar op that is not a method call (<c>{a} + {b}</c>).</summary>
    public string? Expression { get; init; }

    /// <summary>The forward op in math, e.g. <c>{y} = {a}·{b}</c>.</summary>
    public required string Math { get; init; }

    /// <summary>Per operand, its adjoint, or null where no gradient flows.</summary>
    public required OperandAdjoint?[] Adjoints { get; init; }

    /// <summary>A remark appended to the comment, e.g. that broadcast operands receive sums.</summary>
    public string? Note { get; init; }

    /// <summary>
    /// One kernel that adds every operand's gradient at once (LayerNorm's dx, dweight and dbias share their work), with
    /// <c>{into_a}</c>, <c>{into_b}</c>, … the operands' gradient buffers (<c>null</c> for one that receives none). When set,
    /// it replaces the per-operand codes; the <see cref="Adjoints"/> still state each operand's math and reads.
    /// </summary>
    public string? Kernel { get; init; }

    /// <summary>What the fused <see cref="Kernel"/> reads besides the upstream gradient.</summary>
    public Reads KernelReads { get; init; }

    /// <summary>
    /// Per operand, the named argument by which the fused <see cref="Kernel"/> writes that operand's gradient instead of adding
    /// to it (<c>overwrite</c>, <c>overwriteB</c>), or null where it cannot — planning's first write, as
    /// <see cref="OperandAdjoint.CanOverwrite"/> for one operand's kernel.
    /// </summary>
    public string?[] KernelWrites { get; init; } = System.Array.Empty<string?>();

    /// <summary>Whether the fused <see cref="Kernel"/> can write operand <paramref name="k"/>'s gradient (<see cref="KernelWrites"/>).</summary>
    public bool KernelCanWrite(int k) => k < KernelWrites.Length && KernelWrites[k] is not null;

    /// <summary>
    /// How the result's shape follows from the operands' (<see cref="ShapeInference"/>). Unless a row says otherwise: the
    /// numpy broadcast of two tensors, else the shape of the first tensor operand (element-wise ops, a tensor and a scalar).
    /// </summary>
    public ShapeRule Shape
    {
        get => _shape ?? (Signature == "tt" ? ShapeRule.Broadcast : Signature.IndexOf('t') >= 0 ? ShapeRule.SameAsFirstTensor : ShapeRule.Scalar);
        init => _shape = value;
    }

    private readonly ShapeRule? _shape;

    /// <summary>The forward template, derived from the fields: <c>{Ops}.MatMul({a}, {b})</c>, <c>{M}.Exp({a})</c> or the expression.</summary>
    public string Forward =>
        OpsMethod is not null ? "{Ops}." + OpsMethod + "(" + Arguments + ")"
        : MathMethod is not null ? "{M}." + MathMethod + "(" + Arguments + ")"
        : Expression!;

    private string Arguments => string.Join(", ", Operand.Placeholders, 0, Signature.Length);
}

/// <summary>The shape rule of an op (<see cref="Rule.Shape"/>): how its result's shape follows from its operands'.</summary>
internal enum ShapeRule
{
    /// <summary>Not inferred (the result's shape depends on run-time values).</summary>
    Unknown,

    /// <summary>A scalar result (a full reduction, a loss).</summary>
    Scalar,

    /// <summary>The shape of the first tensor operand.</summary>
    SameAsFirstTensor,

    /// <summary>numpy broadcasting of two tensors; for an operator, also System.Numerics.Tensors' own result shape.</summary>
    Broadcast,

    /// <summary>[.., M, K]·[.., K, N] → [.., M, N], the batch axes broadcast.</summary>
    MatMul,

    /// <summary>[M, N] → [N, M].</summary>
    Transpose,

    /// <summary>A reduction along a literal axis, kept as 1 or removed.</summary>
    ReduceAxis,

    /// <summary>The input's shape; weight and bias [C] with C the last axis.</summary>
    LayerNorm,

    /// <summary>The requested shape; the element counts agree.</summary>
    Reshape,

    /// <summary>The input with one axis cut to the slice's length, inside the axis.</summary>
    Slice,

    /// <summary>Two axes swapped.</summary>
    TransposeAxes,

    /// <summary>The axes permuted.</summary>
    Permute,

    /// <summary>A table [V, C] gathered by ids shaped as given: [..idsShape, C] ([ids.Length, C] without a shape).</summary>
    Embedding,

    /// <summary>An array of parts (not a tensor): their shapes are not tracked, nor the shape joined from them.</summary>
    Parts,
}

/// <summary>The shape rules in words, for the rule table's page.</summary>
internal static class ShapeRules
{
    public static string Describe(ShapeRule rule) => rule switch
    {
        ShapeRule.Scalar => "scalar",
        ShapeRule.SameAsFirstTensor => "like the tensor operand",
        ShapeRule.Broadcast => "broadcast(a, b); an operator: also System.Numerics.Tensors' own shape",
        ShapeRule.MatMul => "[.., M, K]·[.., K, N] → [.., M, N]",
        ShapeRule.Transpose => "[M, N] → [N, M]",
        ShapeRule.ReduceAxis => "a without axis b (length 1 with keep-dims c)",
        ShapeRule.LayerNorm => "like a; b and c [C], C a's last axis",
        ShapeRule.Reshape => "b, with a's element count",
        ShapeRule.Slice => "a with axis b cut to d, c + d inside it",
        ShapeRule.TransposeAxes => "a with axes b and c swapped",
        ShapeRule.Permute => "a's axes in the order b",
        ShapeRule.Embedding => "[..ids shape, C] for a table [V, C]",
        ShapeRule.Parts => "not inferred (an array of parts)",
        _ => "not inferred",
    };
}
