using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using GradGen.Generators.Differentiation;
using GradGen.Generators.Helpers;
using GradGen.Generators.Lowering;
using GradGen.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace GradGen.Generators.Diagnostics;

/// <summary>
/// Reports, live in the IDE and at build time, why a <c>[Differentiable]</c> method gets no backward pass. It has no
/// judgement of its own: it runs the generator's Lower stage and reports exactly what Lower rejects, so "no diagnostic"
/// means "a backward was generated". It also hints at parameters whose gradient is always zero.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class DifferentiableAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.TypeNotPartial, DiagnosticDescriptors.NameClash, DiagnosticDescriptors.UnsupportedConstruct,
        DiagnosticDescriptors.NotDifferentiableCall, DiagnosticDescriptors.NonDifferentiableOperation, DiagnosticDescriptors.Mutation,
        DiagnosticDescriptors.UnsupportedSignature, DiagnosticDescriptors.Recursion, DiagnosticDescriptors.CalleeNotDifferentiable,
        DiagnosticDescriptors.CustomDerivativeMismatch, DiagnosticDescriptors.ShapeMismatch, DiagnosticDescriptors.UnusedParameter);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        // Generated code too: the generator differentiates [Differentiable] methods wherever they are, so the analyzer must explain
        // its rejections there as well. Roslyn treats code under `#line hidden` as generated: with `None` a rejection there
        // was dropped, and the method got neither a backward nor an error.
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.Analyze | GeneratedCodeAnalysisFlags.ReportDiagnostics);
        context.EnableConcurrentExecution();
        context.RegisterSymbolAction(AnalyzeMethod, SymbolKind.Method);
        context.RegisterSymbolAction(AnalyzeType, SymbolKind.NamedType);
        // Local functions and lambdas are not symbols the symbol action sees; [Differentiable] on them must not go unnoticed.
        // A syntax action, not an operation action: an operation action makes the analyzer driver build the IOperation tree
        // of every method body in the project, and Roslyn's GetOperation can overflow a 1 MiB stack on deeply nested code.
        context.RegisterSyntaxNodeAction(AnalyzeFunction, SyntaxKind.LocalFunctionStatement, SyntaxKind.ParenthesizedLambdaExpression, SyntaxKind.SimpleLambdaExpression);
        if (GeneratorTrace.On)
        {
            // Profiling only (GRADGEN_TRACE set): when the analyzer driver starts and ends a compilation, to line the
            // analyzer's own steps up against the whole request.
#pragma warning disable RS1013 // the start is what is timed
            context.RegisterCompilationStartAction(start =>
            {
                var begun = GeneratorTrace.Start();
                GeneratorTrace.Log("ana.compilation-start", begun, start.Compilation, start.Compilation.SyntaxTrees.Count() + " trees");
                start.RegisterCompilationEndAction(end => GeneratorTrace.Log("ana.compilation-end", begun, end.Compilation));
            });
#pragma warning restore RS1013
        }
    }

    /// <summary>Logs a step's time when disposed (see <see cref="GeneratorTrace"/>).</summary>
    private readonly struct Logged(string step, long start, Compilation compilation, string detail) : IDisposable
    {
        public void Dispose() => GeneratorTrace.Log(step, start, compilation, detail);
    }

    private static void AnalyzeFunction(SyntaxNodeAnalysisContext context)
    {
        var attributes = context.Node switch
        {
            LocalFunctionStatementSyntax local => local.AttributeLists,
            LambdaExpressionSyntax lambda => lambda.AttributeLists,
            _ => default,
        };
        if (attributes.Count == 0) return; // cheap: only functions with attributes are bound
        var function = context.Node is LocalFunctionStatementSyntax
            ? context.SemanticModel.GetDeclaredSymbol(context.Node, context.CancellationToken) as IMethodSymbol
            : context.SemanticModel.GetSymbolInfo(context.Node, context.CancellationToken).Symbol as IMethodSymbol;
        if (function is not null && Symbols.HasAttribute(function, Symbols.DifferentiableAttribute))
        {
            Report(function, context.Compilation, context.ReportDiagnostic, context.CancellationToken);
        }
    }

    /// <summary>
    /// GG0001 sits on a type's name, outside the method whose Lower found it. Reported from the method's own action it would
    /// be a non-local diagnostic, which the IDE only shows after a full-solution analysis and no code fix may act on; so the
    /// type's action reports it, still from Lower's rejections, once per non-partial type declaration.
    /// </summary>
    private static void AnalyzeType(SymbolAnalysisContext context)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        var nonPartial = type.DeclaringSyntaxReferences
            .Select(r => r.GetSyntax(context.CancellationToken))
            .OfType<TypeDeclarationSyntax>()
            .Where(d => !d.Modifiers.Any(SyntaxKind.PartialKeyword))
            .Select(d => d.Identifier.GetLocation())
            .ToList();
        if (nonPartial.Count == 0) return;

        var start = GeneratorTrace.Start();
        using var _ = new Logged("ana.type", start, context.Compilation, type.Name);
        var reported = new HashSet<Location>();
        foreach (var method in DifferentiableMethodsWithin(type))
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            foreach (var rejection in Lowerer.Lower(method, context.Compilation, context.CancellationToken).Rejections)
            {
                if (rejection.Kind == RejectionKind.TypeNotPartial && nonPartial.Contains(rejection.Location) && reported.Add(rejection.Location))
                {
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.TypeNotPartial, rejection.Location, new object[] { method.Name }.Concat(rejection.Args).ToArray()));
                }
            }
            if (reported.Count == nonPartial.Count) return;
        }
    }

    private static IEnumerable<IMethodSymbol> DifferentiableMethodsWithin(INamedTypeSymbol type)
    {
        var types = new Stack<INamedTypeSymbol>();
        types.Push(type);
        while (types.Count > 0)
        {
            var current = types.Pop();
            foreach (var member in current.GetMembers())
            {
                if (member is IMethodSymbol method && Symbols.HasAttribute(method, Symbols.DifferentiableAttribute)) yield return method;
            }
            foreach (var nested in current.GetTypeMembers()) types.Push(nested);
        }
    }

    private static void AnalyzeMethod(SymbolAnalysisContext context)
    {
        var method = (IMethodSymbol)context.Symbol;
        if (!Symbols.HasAttribute(method, Symbols.DifferentiableAttribute)) return;
        var start = GeneratorTrace.Start();
        Report(method, context.Compilation, context.ReportDiagnostic, context.CancellationToken);
        GeneratorTrace.Log("ana.method", start, context.Compilation, method.Name);
    }

    /// <summary>How a diagnostic names the [Differentiable] function: its name, or what it is when it has none (a lambda).</summary>
    private static string Name(IMethodSymbol method) => method.MethodKind switch
    {
        MethodKind.AnonymousFunction => RejectionText.Lambda(method.ContainingSymbol?.Name),
        MethodKind.LocalFunction => RejectionText.LocalFunction(method.Name),
        _ => method.Name,
    };

    private static void Report(IMethodSymbol method, Compilation compilation, Action<Diagnostic> report, CancellationToken cancellationToken)
    {
        var result = Lowerer.Lower(method, compilation, cancellationToken);
        foreach (var rejection in result.Rejections)
        {
            if (rejection.Kind == RejectionKind.DoesNotCompile) continue; // the compiler's errors say why
            if (rejection.Kind == RejectionKind.TypeNotPartial) continue; // reported by AnalyzeType, where it is local
            var additional = rejection.AdditionalLocation is { } extra ? new[] { extra } : null;
            var args = new object[] { Name(method) }.Concat(rejection.Args).ToArray();
            report(Diagnostic.Create(DiagnosticDescriptors.For(rejection.Kind), rejection.Location, additional, args));
        }
        if (result.Model is not { } model) return;

        var inactive = InactiveParameters.GetValue(model, Inactive);
        foreach (var index in inactive)
        {
            var parameter = method.Parameters[index];
            var location = parameter.Locations.FirstOrDefault() ?? Location.None;
            report(Diagnostic.Create(DiagnosticDescriptors.UnusedParameter, location, method.Name, parameter.Name));
        }
    }

    /// <summary>
    /// Per model, the differentiable parameters no gradient reaches. A body reused across compilations keeps its model
    /// object (see <c>BodyCache</c>), so an edit differentiates only the models it changed, not every method of the file.
    /// </summary>
    private static readonly ConditionalWeakTable<MethodModel, int[]> InactiveParameters = new();

    private static int[] Inactive(MethodModel model)
    {
        var plan = Differentiator.Differentiate(model).Plan;
        return model.Instructions
            .Where(i => i.Op == OpKind.Parameter && model.Parameters[i.ParameterIndex].Differentiable && !plan.Active[i.Id])
            .Select(i => i.ParameterIndex)
            .ToArray();
    }
}
