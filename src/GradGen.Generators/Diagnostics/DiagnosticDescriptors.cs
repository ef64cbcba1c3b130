using System.Linq;
using GradGen.Generators.Lowering;
using Microsoft.CodeAnalysis;

namespace GradGen.Generators.Diagnostics;

/// <summary>The one catalogue of GradGen diagnostics. Message argument {0} is always the [Differentiable] method's name.</summary>
public static class DiagnosticDescriptors
{
    private const string Category = "GradGen";

    /// <summary>The documentation page of a diagnostic ID.</summary>
    /// <summary>
    /// Where the help pages live, from the build's <c>GradGenHelpLinkBase</c> property (Directory.Build.props; a fork changes
    /// that one property). The pages themselves are docs/diagnostics/*.md and ship in the package (docs/diagnostics).
    /// </summary>
    public static readonly string HelpLinkBase =
        typeof(DiagnosticDescriptors).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .OfType<System.Reflection.AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "GradGenHelpLinkBase")?.Value
        ?? "https://github.com/gradgen/gradgen/blob/main/docs/diagnostics/";

    public static string HelpLink(string id) => HelpLinkBase + id + ".md";

    private static DiagnosticDescriptor Error(string id, string title, string message, params string[] tags) =>
        new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink(id), customTags: tags);

    public static readonly DiagnosticDescriptor TypeNotPartial = Error("GG0001",
        "The type of a [Differentiable] method must be partial",
        "'{1}' must be declared partial so GradGen can add the backward pass of [Differentiable] method '{0}'");

    public static readonly DiagnosticDescriptor NameClash = Error("GG0002",
        "A generated member would clash with an existing member",
        "[Differentiable] method '{0}' cannot get its backward pass: the generated member '{1}' would clash with an existing member; rename one of them");

    public static readonly DiagnosticDescriptor UnsupportedConstruct = Error("GG0003",
        "Construct not supported in a [Differentiable] method",
        "[Differentiable] method '{0}' cannot be differentiated: {1} is not supported");

    public static readonly DiagnosticDescriptor NotDifferentiableCall = Error("GG0004",
        "Call to a method that is not differentiable",
        "[Differentiable] method '{0}' cannot be differentiated: '{1}' is not marked [Differentiable] and is not a GradGen op; {2}");

    public static readonly DiagnosticDescriptor NonDifferentiableOperation = Error("GG0005",
        "Operation without a useful derivative",
        "[Differentiable] method '{0}' cannot be differentiated: {1} has no useful derivative (it is zero or undefined almost everywhere), so the gradient through it would silently vanish; compute it outside and pass it in as a [NoGradient] parameter");

    public static readonly DiagnosticDescriptor Mutation = Error("GG0006",
        "Mutation in a [Differentiable] method",
        "[Differentiable] method '{0}' cannot be differentiated: '{1}' mutates {2}; assign the result to a new local instead");

    public static readonly DiagnosticDescriptor UnsupportedSignature = Error("GG0007",
        "Signature not supported for a [Differentiable] method",
        "[Differentiable] method '{0}' cannot be differentiated: {1}");

    public static readonly DiagnosticDescriptor Recursion = Error("GG0008",
        "Recursion in a [Differentiable] method",
        "[Differentiable] method '{0}' cannot be differentiated: it calls itself through '{1}', and recursion is not supported");

    public static readonly DiagnosticDescriptor CalleeNotDifferentiable = Error("GG0009",
        "Call to a [Differentiable] method that cannot be differentiated",
        "[Differentiable] method '{0}' cannot be differentiated: it calls '{1}', which cannot be differentiated itself (see the diagnostics on '{1}')");

    public static readonly DiagnosticDescriptor CustomDerivativeMismatch = Error("GG0011",
        "Registered derivative does not match its function",
        "[Differentiable] method '{0}' cannot use the derivative registered for '{1}': {2}; expected '{3}'");

    public static readonly DiagnosticDescriptor ShapeMismatch = Error("GG0012",
        "Shapes that cannot agree",
        "[Differentiable] method '{0}' has shapes that cannot agree: {1}");

    public static readonly DiagnosticDescriptor UnusedParameter = new("GG0010",
        "Parameter does not influence the result",
        "Parameter '{1}' of [Differentiable] method '{0}' does not influence the result, so its gradient is always zero; mark it [NoGradient] or use it",
        Category, DiagnosticSeverity.Info, isEnabledByDefault: true, helpLinkUri: HelpLink("GG0010"), customTags: WellKnownDiagnosticTags.Unnecessary);

    /// <summary>The descriptor that reports a rejection of the given kind.</summary>
    internal static DiagnosticDescriptor For(RejectionKind kind) => kind switch
    {
        RejectionKind.TypeNotPartial => TypeNotPartial,
        RejectionKind.NameClash => NameClash,
        RejectionKind.NotDifferentiableCall => NotDifferentiableCall,
        RejectionKind.NonDifferentiableOperation => NonDifferentiableOperation,
        RejectionKind.Mutation => Mutation,
        RejectionKind.UnsupportedSignature => UnsupportedSignature,
        RejectionKind.Recursion => Recursion,
        RejectionKind.CalleeNotDifferentiable => CalleeNotDifferentiable,
        RejectionKind.CustomDerivativeMismatch => CustomDerivativeMismatch,
        RejectionKind.ShapeMismatch => ShapeMismatch,
        _ => UnsupportedConstruct,
    };
}
