using System.Collections.Immutable;
using System.Linq;
using GradGen.Generators.Differentiation;
using GradGen.Generators.Lowering;
using GradGen.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

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
        DiagnosticDescriptors.UnusedParameter);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterSymbolAction(AnalyzeMethod, SymbolKind.Method);
    }

    private static void AnalyzeMethod(SymbolAnalysisContext context)
    {
        var method = (IMethodSymbol)context.Symbol;
        if (!Symbols.HasAttribute(method, Symbols.DifferentiableAttribute)) return;

        var result = Lowerer.Lower(method, context.Compilation, context.CancellationToken);
        foreach (var rejection in result.Rejections)
        {
            if (rejection.Kind == RejectionKind.DoesNotCompile) continue; // the compiler's errors say why
            var additional = rejection.AdditionalLocation is { } extra ? new[] { extra } : null;
            var args = new object[] { method.Name }.Concat(rejection.Args).ToArray();
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.For(rejection.Kind), rejection.Location, additional, args));
        }
        if (result.Model is not { } model) return;

        var plan = Differentiator.Differentiate(model).Plan;
        foreach (var instruction in model.Instructions.Where(i => i.Op == OpKind.Parameter))
        {
            if (!model.Parameters[instruction.ParameterIndex].Differentiable || plan.Active[instruction.Id]) continue;
            var parameter = method.Parameters[instruction.ParameterIndex];
            var location = parameter.Locations.FirstOrDefault() ?? Location.None;
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.UnusedParameter, location, method.Name, parameter.Name));
        }
    }
}
