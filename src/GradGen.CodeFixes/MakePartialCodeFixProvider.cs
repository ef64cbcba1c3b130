using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using GradGen.Generators.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace GradGen.CodeFixes;

/// <summary>
/// GG0001: adds <c>partial</c> to the reported type, to every type enclosing it, and to every type nested in it on the way
/// to a [Differentiable] method, so one fix makes the whole chain partial.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MakePartialCodeFixProvider)), Shared]
public sealed class MakePartialCodeFixProvider : CodeFixProvider
{
    private const string EquivalenceKey = "GG0001.MakePartial";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.TypeNotPartial.Id);

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => FixAllProvider.Create(async (context, document, diagnostics) =>
    {
        var root = await document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null) return document;
        var targets = diagnostics.SelectMany(d => Targets(root, model, d.Location.SourceSpan, context.CancellationToken)).Distinct().ToList();
        return targets.Count == 0 ? document : document.WithSyntaxRoot(MakePartial(root, targets));
    });

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null) return;
        foreach (var diagnostic in context.Diagnostics)
        {
            var targets = Targets(root, model, diagnostic.Location.SourceSpan, context.CancellationToken);
            if (targets.Count == 0) continue;
            var names = targets.Select(t => "'" + t.Identifier.ValueText + "'").ToList();
            var title = "Make " + (names.Count == 1 ? names[0] : string.Join(", ", names.Take(names.Count - 1)) + " and " + names[names.Count - 1]) + " partial";
            var document = context.Document;
            context.RegisterCodeFix(
                CodeAction.Create(title, _ => Task.FromResult(document.WithSyntaxRoot(MakePartial(root, targets))), EquivalenceKey),
                diagnostic);
        }
    }

    /// <summary>The non-partial types to change for a diagnostic at a type's name, outermost first.</summary>
    private static List<TypeDeclarationSyntax> Targets(SyntaxNode root, SemanticModel model, Microsoft.CodeAnalysis.Text.TextSpan span, CancellationToken cancellationToken)
    {
        var reported = root.FindToken(span.Start).Parent?.AncestorsAndSelf().OfType<TypeDeclarationSyntax>().FirstOrDefault();
        if (reported is null) return new List<TypeDeclarationSyntax>();

        var types = new HashSet<TypeDeclarationSyntax>(reported.AncestorsAndSelf().OfType<TypeDeclarationSyntax>());
        foreach (var method in reported.DescendantNodes().OfType<MethodDeclarationSyntax>())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (method.AttributeLists.Count == 0 || !IsDifferentiable(model.GetDeclaredSymbol(method, cancellationToken))) continue;
            foreach (var type in method.Ancestors().OfType<TypeDeclarationSyntax>().TakeWhile(t => t != reported)) types.Add(type);
        }
        return types.Where(t => !t.Modifiers.Any(SyntaxKind.PartialKeyword)).OrderBy(t => t.SpanStart).ToList();
    }

    private static bool IsDifferentiable(ISymbol? method) =>
        method is not null && method.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "GradGen.DifferentiableAttribute");

    private static SyntaxNode MakePartial(SyntaxNode root, IEnumerable<TypeDeclarationSyntax> types) =>
        root.ReplaceNodes(types, (_, rewritten) => AddPartial(rewritten));

    /// <summary>Adds <c>partial</c> as the last modifier (it must stand right before the type keyword), keeping the layout.</summary>
    private static TypeDeclarationSyntax AddPartial(TypeDeclarationSyntax type)
    {
        if (type.Modifiers.Any(SyntaxKind.PartialKeyword)) return type;
        var partial = AttributeSyntaxes.Token(SyntaxKind.PartialKeyword).WithTrailingTrivia(SyntaxFactory.Space);
        if (type.Modifiers.Count > 0) return type.WithModifiers(type.Modifiers.Add(partial));
        return type
            .WithKeyword(type.Keyword.WithLeadingTrivia())
            .WithModifiers(SyntaxFactory.TokenList(partial.WithLeadingTrivia(type.Keyword.LeadingTrivia)));
    }
}
