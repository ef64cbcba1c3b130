using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using GradGen.Generators.Diagnostics;
using GradGen.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Text;

namespace GradGen.Generators.Lowering;

/// <summary>The result of lowering one <c>[Differentiable]</c> method: its IR, or why it has none.</summary>
internal sealed record LoweringResult(MethodModel? Model, ImmutableArray<Rejection> Rejections);

/// <summary>
/// Lower: C# (syntax + semantic model, through the IOperation tree) → SSA IR. The only stage that sees Roslyn symbols.
/// The generator emits a backward pass exactly for the methods this accepts; the analyzer reports exactly what it rejects.
/// </summary>
/// <remarks>
/// One lowering of one method body, in parts: this file (the method as a whole), <c>Lowerer.Signature.cs</c> (signature,
/// containing-type and name checks), <c>Lowerer.Model.cs</c> (values, locals, naming and the model), <c>Lowerer.Returns.cs</c>
/// (the paths to the returns), <c>Lowerer.Statements.cs</c> and <c>Lowerer.Expressions.cs</c>. The calls between bodies are <see cref="CallGraph"/>'s; the wording of rejections is
/// <see cref="RejectionText"/>'s.
/// </remarks>
internal sealed partial class Lowerer
{
    /// <summary>Deeper expressions are rejected rather than risking the IDE's stack.</summary>
    public const int MaxDepth = 200;

    private readonly IMethodSymbol _method;
    private readonly Compilation _compilation;
    private readonly CancellationToken _cancellationToken;
    private readonly List<(IMethodSymbol Callee, Location Location)> _calls = new();
    private readonly List<Rejection> _rejections = new();

    private readonly CallGraph _graph;

    internal Lowerer(IMethodSymbol method, Compilation compilation, CallGraph graph, CancellationToken cancellationToken)
    {
        _method = method;
        _compilation = compilation;
        _graph = graph;
        _cancellationToken = cancellationToken;
    }

    /// <summary>What lowering this body on its own found (after <see cref="Run"/>): its model, its rejections and its calls.</summary>
    internal LoweredBody Finish() => new(_rejections.Count == 0 ? BuildModel() : null, _rejections.ToArray(), _calls.ToArray());

    /// <summary>Lowers a <c>[Differentiable]</c> method. Never throws, except <see cref="OperationCanceledException"/>.</summary>
    /// <remarks>
    /// Each method's body is lowered once on its own (calls are recorded, not followed); then the call graph decides
    /// whether the calls can be chained: a call whose callee leads back to this method is recursion, a call whose callee
    /// (or anything it calls) is rejected or recursive cannot be chained. The graph is shared by every lowering of one
    /// compilation (the generator's transforms and the analyzer's actions alike), so each body is lowered once per
    /// compilation however many methods call it.
    /// </remarks>
    public static LoweringResult Lower(IMethodSymbol method, Compilation compilation, CancellationToken cancellationToken)
    {
        var graph = Graphs.GetValue(compilation, c => new CallGraph(c));
        lock (graph)
        {
            return graph.Result(method, cancellationToken);
        }
    }

    private static readonly ConditionalWeakTable<Compilation, CallGraph> Graphs = new();

    /// <summary>
    /// Records a rejection, once: Lower may walk the same syntax more than once (the rest of a method after an early return
    /// is lowered on each path that reaches it), and one mistake is one diagnostic.
    /// </summary>
    internal void Reject(RejectionKind kind, Location location, params string[] args) => Reject(new Rejection(kind, location, args));

    private void Reject(Rejection rejection)
    {
        if (_rejections.Any(r => r.Kind == rejection.Kind && r.Location == rejection.Location && r.Args.SequenceEqual(rejection.Args) && r.AdditionalLocation == rejection.AdditionalLocation)) return;
        _rejections.Add(rejection);
    }

    private void Reject(RejectionKind kind, SyntaxNode syntax, params string[] args) => Reject(kind, syntax.GetLocation(), args);

    // ── the method as a whole ─────────────────────────────────────────────────────────────

    /// <summary>
    /// True when the user's own declaration of the method, or of a type containing it, has an error (CS0708 an instance
    /// member of a static class, CS0116 a method outside any type, CS0106 a bad modifier, …). Then nothing is generated:
    /// a generated member would only repeat the error in a file the user cannot edit; the compiler's error is the one to read.
    /// </summary>
    private bool DeclarationDoesNotCompile(MethodDeclarationSyntax syntax)
    {
        var headerEnd = syntax.Body?.SpanStart ?? syntax.ExpressionBody?.SpanStart ?? syntax.Span.End;
        if (HasDeclarationError(syntax.SyntaxTree, TextSpan.FromBounds(syntax.SpanStart, headerEnd))) return true;
        for (var type = _method.ContainingType; type is not null; type = type.ContainingType)
        {
            if (type.IsImplicitlyDeclared) return true; // <invalid-global-code>: a method outside any type (CS0116)
            foreach (var reference in type.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax(_cancellationToken) is not TypeDeclarationSyntax declaration) continue;
                var end = declaration.OpenBraceToken.IsMissing ? declaration.Span.End : declaration.OpenBraceToken.SpanStart;
                if (HasDeclarationError(declaration.SyntaxTree, TextSpan.FromBounds(declaration.SpanStart, end))) return true;
            }
        }
        return false;
    }

    private bool HasDeclarationError(SyntaxTree tree, TextSpan span) =>
        _compilation.ContainsSyntaxTree(tree) && _graph.DeclarationErrors(tree, _cancellationToken).Any(error => error.IntersectsWith(span) || error == span);

    internal void Run()
    {
        var syntax = _method.DeclaringSyntaxReferences.Select(r => r.GetSyntax(_cancellationToken)).OfType<MethodDeclarationSyntax>().FirstOrDefault();
        var location = syntax?.Identifier.GetLocation() ?? _method.Locations.FirstOrDefault() ?? Location.None;
        if (syntax is null)
        {
            Reject(RejectionKind.UnsupportedSignature, location, RejectionText.NotAnOrdinaryMethod);
            return;
        }

        if (syntax.GetDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error)
            || _method.ReturnType.TypeKind == TypeKind.Error
            || _method.Parameters.Any(p => p.Type.TypeKind == TypeKind.Error || p.Name.Length == 0)
            || DeclarationDoesNotCompile(syntax))
        {
            Reject(RejectionKind.DoesNotCompile, location);
            return;
        }

        CheckContainingTypes(location);
        CheckNames(location);
        CheckSignature(syntax, location);
        if (_rejections.Count > 0) return;

        foreach (var token in syntax.DescendantTokens())
        {
            if (token.IsKind(SyntaxKind.IdentifierToken)) _reserved.Add(token.ValueText);
        }

        _parameters = new int[_method.Parameters.Length];
        foreach (var parameter in _method.Parameters)
        {
            _parameters[parameter.Ordinal] = Add(new Builder
            {
                Op = OpKind.Parameter,
                Type = Symbols.Classify(parameter.Type),
                Name = EscapeIdentifier(parameter.Name),
                ParameterIndex = parameter.Ordinal,
            });
            DeclareShape(_parameters[parameter.Ordinal], parameter);
            // A parameter is a variable like a local: `x = x + f(x)` rebinds it (the caller's value is untouched).
            _locals[parameter] = _parameters[parameter.Ordinal];
            _nameUses[EscapeIdentifier(parameter.Name)] = 1;
        }

        if (SelfType(_method) is { } self)
        {
            _self = Add(new Builder { Op = OpKind.This, Type = self, Name = "this" });
        }

        if (_method.PartialDefinitionPart is not null || _method.PartialImplementationPart is not null)
        {
            Reject(RejectionKind.UnsupportedSignature, location, RejectionText.PartialMethod);
            return;
        }
        if (syntax.Body is null && syntax.ExpressionBody is null)
        {
            Reject(RejectionKind.UnsupportedSignature, location, RejectionText.NoBody);
            return;
        }
        // Measured before binding: Roslyn's GetOperation could overflow the stack on deeper code (see SyntaxDepth).
        if (SyntaxDepth.FirstBeyond((SyntaxNode?)syntax.Body ?? syntax.ExpressionBody!, SyntaxDepth.Limit, _cancellationToken) is { } tooDeep)
        {
            Reject(RejectionKind.UnsupportedConstruct, tooDeep, RejectionText.SyntaxTooDeep(SyntaxDepth.Limit));
            return;
        }
        var model = _compilation.GetSemanticModel(syntax.SyntaxTree);
        if (model.GetOperation(syntax, _cancellationToken) is not IMethodBodyOperation body || (body.BlockBody ?? body.ExpressionBody) is not { } block)
        {
            Reject(RejectionKind.DoesNotCompile, location);
            return;
        }
        LowerBody(block, location);
        if (_rejections.Count == 0) CheckDroppedGradients();
        if (_rejections.Count == 0) CheckShapes();
    }
}
