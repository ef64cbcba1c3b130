using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using GradGen.Generators.Diagnostics;
using GradGen.Generators.Lowering;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace GradGen.CodeFixes;

/// <summary>
/// GG0004: registers a derivative for the called function — adds, after it, a correctly typed pullback stub marked
/// <c>[DerivativeOf(nameof(F))]</c> (the parameters, <c>y</c>, <c>dY</c>, one gradient buffer per differentiable
/// parameter) whose body the user writes. Offered for a static, non-generic function of this compilation with a
/// differentiable result and no derivative registered yet.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(RegisterDerivativeCodeFixProvider)), Shared]
public sealed class RegisterDerivativeCodeFixProvider : CodeFixProvider
{
    private const string EquivalenceKey = "GG0004.RegisterDerivative";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.NotDifferentiableCall.Id);

    /// <inheritdoc />
    public override FixAllProvider? GetFixAllProvider() => null;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null) return;
        foreach (var diagnostic in context.Diagnostics)
        {
            var invocation = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<InvocationExpressionSyntax>();
            if (invocation is null || model.GetSymbolInfo(invocation, context.CancellationToken).Symbol is not IMethodSymbol { MethodKind: MethodKind.Ordinary } target) continue;
            var function = target.OriginalDefinition;
            if (!function.IsStatic || function.IsGenericMethod || !Symbols.Classify(function.ReturnType).IsDifferentiable || Lowerer.RegisteredDerivative(function) is not null) continue;
            var declaration = function.DeclaringSyntaxReferences.Select(r => r.GetSyntax(context.CancellationToken)).OfType<MethodDeclarationSyntax>().FirstOrDefault();
            if (declaration is null || context.Document.Project.Solution.GetDocument(declaration.SyntaxTree) is not { } document) continue;
            context.RegisterCodeFix(
                CodeAction.Create("Register a derivative for '" + function.Name + "' (a pullback stub to fill in)", ct => AddStubAsync(document, declaration, function, ct), EquivalenceKey),
                diagnostic);
        }
    }

    private static async Task<Solution> AddStubAsync(Document document, MethodDeclarationSyntax declaration, IMethodSymbol function, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || model is null) return document.Project.Solution;
        var position = declaration.SpanStart;
        // The short name where `using GradGen;` is in scope (the attribute's constructor takes an argument, so the
        // speculative binding of AttributeSyntaxes.List cannot tell), the qualified one otherwise.
        var inScope = model.LookupNamespacesAndTypes(position, name: "DerivativeOfAttribute").Any(t => t.ToDisplayString() == "GradGen.DerivativeOfAttribute");
        var attribute = "[" + (inScope ? "DerivativeOf" : "global::GradGen.DerivativeOf");
        var parameters = Lowerer.ExpectedParameters(function)
            .Select(p => (p.RefKind == RefKind.Ref ? "ref " : "") + p.Type.ToMinimalDisplayString(model, position) + " " + p.Name);
        var gradients = string.Join(", ", function.Parameters.Where(Lowerer.IsDifferentiable).Select(p => Generators.Model.Naming.Gradient(p.Name)));
        var indentation = AttributeSyntaxes.Indentation(declaration).ToFullString();
        var endOfLine = AttributeSyntaxes.EndOfLine(declaration).ToFullString();
        var text =
            indentation + attribute + "(nameof(" + function.Name + "))]" + endOfLine +
            indentation + "public static void " + function.Name + "Pullback(" + string.Join(", ", parameters) + ")" + endOfLine +
            indentation + "{" + endOfLine +
            indentation + "    // Add ∂L/∂(each parameter) = ∂L/∂y · ∂y/∂(parameter) into " + gradients + "." + endOfLine +
            indentation + "    throw new System.NotImplementedException();" + endOfLine +
            indentation + "}" + endOfLine;
        var stub = SyntaxFactory.ParseMemberDeclaration(text)!.WithLeadingTrivia(SyntaxFactory.ParseLeadingTrivia(endOfLine + indentation));
        var newRoot = root.InsertNodesAfter(declaration, new[] { stub });
        return document.WithSyntaxRoot(newRoot).Project.Solution;
    }
}
