using Microsoft.CodeAnalysis;

namespace GradGen.Generators.Lowering;

/// <summary>Why Lower refused a construct. Each kind is one diagnostic ID (see <c>Diagnostics/DiagnosticDescriptors.cs</c>).</summary>
internal enum RejectionKind
{
    TypeNotPartial,
    NameClash,
    UnsupportedConstruct,
    NotDifferentiableCall,
    NonDifferentiableOperation,
    Mutation,
    UnsupportedSignature,
    Recursion,
    CalleeNotDifferentiable,
    CustomDerivativeMismatch,

    /// <summary>Shapes that certainly cannot agree (GG0012).</summary>
    ShapeMismatch,

    /// <summary>The method does not compile: the compiler's own errors explain it, so the analyzer adds nothing.</summary>
    DoesNotCompile,
}

/// <summary>
/// A construct Lower could not turn into IR: where it is and the message arguments. Only the analyzer reads
/// rejections (the generator simply emits nothing for a rejected method), so a <see cref="Location"/> is fine here.
/// </summary>
/// <param name="Args">Message arguments after the first (the first is always the [Differentiable] method's name).</param>
internal sealed record Rejection(RejectionKind Kind, Location Location, string[] Args, Location? AdditionalLocation = null);
