using System.Collections.Generic;
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
using Microsoft.CodeAnalysis.Text;

namespace GradGen.CodeFixes;

/// <summary>
/// GG0004: adds <c>[Differentiable]</c> to the called method, offered only when the generator would accept it: the callee's
/// body passes the generator's own Lower stage as it stands, and, with the attribute in place, Lower accepts the call too.
/// Never offered for a method without source in this compilation (a library method, a delegate).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MarkDifferentiableCodeFixProvider)), Shared]
public sealed class MarkDifferentiableCodeFixProvider : CodeFixProvider
{
    private const string EquivalenceKey = "GG0004.MarkDifferentiable";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.NotDifferentiableCall.Id);

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => MarkAll.Instance;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        foreach (var diagnostic in context.Diagnostics)
        {
            var plan = await PlanAsync(context.Document, diagnostic.Location.SourceSpan, context.CancellationToken).ConfigureAwait(false);
            if (plan is null) continue;
            var solution = context.Document.Project.Solution;
            context.RegisterCodeFix(
                CodeAction.Create("Mark '" + plan.Name + "' [Differentiable]", ct => ApplyAsync(solution, new[] { plan }, ct), EquivalenceKey),
                diagnostic);
        }
    }

    /// <summary>Which declaration gets which attribute list.</summary>
    private sealed record Plan(DocumentId Document, MethodDeclarationSyntax Declaration, AttributeListSyntax Attribute, string Name);

    private static async Task<Plan?> PlanAsync(Document document, TextSpan span, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || model is null) return null;
        var invocation = root.FindNode(span, getInnermostNodeForTie: true).FirstAncestorOrSelf<InvocationExpressionSyntax>();
        var callerSyntax = invocation?.FirstAncestorOrSelf<MethodDeclarationSyntax>();
        if (invocation is null || callerSyntax is null) return null;
        if (model.GetSymbolInfo(invocation, cancellationToken).Symbol is not IMethodSymbol { MethodKind: MethodKind.Ordinary } target) return null;
        if (model.GetDeclaredSymbol(callerSyntax, cancellationToken) is not IMethodSymbol caller) return null;

        var callee = target.OriginalDefinition;
        var declaration = callee.DeclaringSyntaxReferences
            .Select(r => r.GetSyntax(cancellationToken))
            .OfType<MethodDeclarationSyntax>()
            .FirstOrDefault(d => d.Body is not null || d.ExpressionBody is not null);
        var compilation = model.Compilation;
        if (declaration is null || !compilation.ContainsSyntaxTree(declaration.SyntaxTree)) return null;
        var calleeDocument = document.Project.Solution.GetDocument(declaration.SyntaxTree);
        if (calleeDocument is null) return null;

        // 1. The callee's body is supported: the generator's Lower accepts it as it stands.
        if (Lowerer.Lower(callee, compilation, cancellationToken).Model is null) return null;

        // 2. With the attribute in place, Lower accepts the call itself (a call on another instance, say, would stay rejected).
        var attribute = AttributeSyntaxes.List(compilation.GetSemanticModel(declaration.SyntaxTree), declaration.SpanStart, "Differentiable", "GradGen.DifferentiableAttribute");
        var oldTree = declaration.SyntaxTree;
        var oldRoot = await oldTree.GetRootAsync(cancellationToken).ConfigureAwait(false);
        var newRoot = oldRoot.ReplaceNode(declaration, AddAttribute(declaration, attribute));
        var newTree = oldTree.WithRootAndOptions(newRoot, oldTree.Options);
        var marked = compilation.ReplaceSyntaxTree(oldTree, newTree);
        var callerId = DocumentationCommentId.CreateDeclarationId(caller);
        if (callerId is null || DocumentationCommentId.GetFirstSymbolForDeclarationId(callerId, marked) is not IMethodSymbol callerAfter) return null;
        var sameTree = oldTree == invocation.SyntaxTree;
        var shift = sameTree && declaration.SpanStart <= invocation.SpanStart ? newRoot.FullSpan.Length - oldRoot.FullSpan.Length : 0;
        var callAfter = new TextSpan(invocation.SpanStart + shift, invocation.Span.Length);
        var treeAfter = sameTree ? newTree : invocation.SyntaxTree;
        var callerResult = Lowerer.Lower(callerAfter, marked, cancellationToken);
        if (callerResult.Rejections.Any(r => r.Location.SourceTree == treeAfter && r.Location.SourceSpan == callAfter)) return null;

        return new Plan(calleeDocument.Id, declaration, attribute, callee.Name);
    }

    private static async Task<Solution> ApplyAsync(Solution solution, IEnumerable<Plan> plans, CancellationToken cancellationToken)
    {
        foreach (var group in plans.GroupBy(p => p.Document))
        {
            var document = solution.GetDocument(group.Key);
            var root = document is null ? null : await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            if (root is null) continue;
            var byDeclaration = group.GroupBy(p => p.Declaration).ToDictionary(g => g.Key, g => g.First().Attribute);
            solution = solution.WithDocumentSyntaxRoot(group.Key, root.ReplaceNodes(byDeclaration.Keys, (original, rewritten) => AddAttribute(rewritten, byDeclaration[original])));
        }
        return solution;
    }

    /// <summary>Puts the attribute on its own line above the method (or beside attributes that share a line), keeping doc comments above it.</summary>
    private static MethodDeclarationSyntax AddAttribute(MethodDeclarationSyntax method, AttributeListSyntax attribute)
    {
        var indentation = AttributeSyntaxes.Indentation(method);
        var endOfLine = AttributeSyntaxes.EndOfLine(method);
        if (method.AttributeLists.Count > 0)
        {
            var last = method.AttributeLists[method.AttributeLists.Count - 1];
            var ownLine = last.GetTrailingTrivia().Any(t => t.IsKind(SyntaxKind.EndOfLineTrivia));
            var added = ownLine
                ? attribute.WithLeadingTrivia(indentation).WithTrailingTrivia(endOfLine)
                : attribute.WithTrailingTrivia(SyntaxFactory.Space);
            return method.WithAttributeLists(method.AttributeLists.Add(added));
        }
        var stripped = method.WithoutLeadingTrivia();
        var first = stripped.GetFirstToken();
        stripped = stripped.ReplaceToken(first, first.WithLeadingTrivia(indentation));
        return stripped.WithAttributeLists(SyntaxFactory.SingletonList(attribute.WithLeadingTrivia(method.GetLeadingTrivia()).WithTrailingTrivia(endOfLine)));
    }

    /// <summary>Fix all: every fixable call in the scope, each callee marked once however many calls it has.</summary>
    private sealed class MarkAll : FixAllProvider
    {
        public static readonly MarkAll Instance = new();

        public override async Task<CodeAction?> GetFixAsync(FixAllContext fixAllContext)
        {
            var documents = fixAllContext.Scope switch
            {
                FixAllScope.Document when fixAllContext.Document is not null => new[] { fixAllContext.Document },
                FixAllScope.Project => fixAllContext.Project.Documents.ToArray(),
                FixAllScope.Solution => fixAllContext.Solution.Projects.SelectMany(p => p.Documents).ToArray(),
                _ => System.Array.Empty<Document>(),
            };
            var plans = new List<Plan>();
            foreach (var document in documents)
            {
                foreach (var diagnostic in await fixAllContext.GetDocumentDiagnosticsAsync(document).ConfigureAwait(false))
                {
                    if (await PlanAsync(document, diagnostic.Location.SourceSpan, fixAllContext.CancellationToken).ConfigureAwait(false) is { } plan) plans.Add(plan);
                }
            }
            if (plans.Count == 0) return null;
            var unique = plans.GroupBy(p => (p.Document, p.Declaration.Span)).Select(g => g.First()).ToList();
            return CodeAction.Create("Mark the called methods [Differentiable]", ct => ApplyAsync(fixAllContext.Solution, unique, ct), EquivalenceKey);
        }
    }
}
