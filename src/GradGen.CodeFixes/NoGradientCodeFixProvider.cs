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

/// <summary>GG0010: marks a parameter without influence <c>[NoGradient]</c>, so the backward neither computes nor returns its zero gradient.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(NoGradientCodeFixProvider)), Shared]
public sealed class NoGradientCodeFixProvider : CodeFixProvider
{
    private const string EquivalenceKey = "GG0010.NoGradient";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.UnusedParameter.Id);

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null) return;
        foreach (var diagnostic in context.Diagnostics)
        {
            var parameter = root.FindNode(diagnostic.Location.SourceSpan).FirstAncestorOrSelf<ParameterSyntax>();
            if (parameter is null) continue;
            var document = context.Document;
            context.RegisterCodeFix(
                CodeAction.Create("Mark parameter '" + parameter.Identifier.ValueText + "' [NoGradient]", ct => MarkAsync(document, parameter, ct), EquivalenceKey),
                diagnostic);
        }
    }

    private static async Task<Document> MarkAsync(Document document, ParameterSyntax parameter, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || model is null) return document;
        var list = AttributeSyntaxes.List(model, parameter.SpanStart, "NoGradient", "GradGen.NoGradientAttribute")
            .WithTrailingTrivia(SyntaxFactory.Space);
        ParameterSyntax marked;
        if (parameter.AttributeLists.Count > 0)
        {
            marked = parameter.WithAttributeLists(parameter.AttributeLists.Add(list));
        }
        else
        {
            // The parameter's leading trivia (a line break and indentation in a long list) moves to the new attribute.
            marked = parameter.WithoutLeadingTrivia().WithAttributeLists(SyntaxFactory.SingletonList(list)).WithLeadingTrivia(parameter.GetLeadingTrivia());
        }
        return document.WithSyntaxRoot(root.ReplaceNode(parameter, marked));
    }
}
