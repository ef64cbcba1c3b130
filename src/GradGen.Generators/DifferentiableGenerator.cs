using System.Text;
using GradGen.Generators.Differentiation;
using GradGen.Generators.Emit;
using GradGen.Generators.Helpers;
using GradGen.Generators.Lowering;
using GradGen.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace GradGen.Generators;

/// <summary>
/// Emits the backward pass of every <c>[Differentiable]</c> method: Lower → IR → Differentiate → Emit.
/// Methods Lower rejects get nothing; the analyzer (which runs the same Lower) says why.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class DifferentiableGenerator : IIncrementalGenerator
{
    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var lowered = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                Symbols.DifferentiableAttribute,
                static (node, _) => node is MethodDeclarationSyntax,
                static (syntaxContext, cancellationToken) =>
                {
                    if (syntaxContext.TargetSymbol is not IMethodSymbol method) return null;
                    var start = GeneratorTrace.Start();
                    var model = Lowerer.Lower(method, syntaxContext.SemanticModel.Compilation, cancellationToken).Model;
                    GeneratorTrace.Log("gen.lower", start, syntaxContext.SemanticModel.Compilation, method.Name);
                    return model is null ? null : model with { HintName = HintName.Of(method) };
                })
            .WithTrackingName(TrackingNames.Lowered);

        var differentiated = lowered
            .Where(static model => model is not null)
            .WithTrackingName(TrackingNames.Accepted)
            .Select(static (model, _) =>
            {
                var start = GeneratorTrace.Start();
                var method = Differentiator.Differentiate(model!);
                GeneratorTrace.Log("gen.differentiate", start, null, model!.Name);
                return method;
            })
            .WithTrackingName(TrackingNames.Differentiated);

        var emitted = differentiated
            .Select(static (method, _) =>
            {
                var start = GeneratorTrace.Start();
                var file = Emitter.Emit(method);
                GeneratorTrace.Log("gen.emit", start, null, method.Method.Name);
                return file;
            })
            .WithTrackingName(TrackingNames.Emitted);

        // One output per method: an edit that changes one method's file re-adds that file alone (the hint name needs no
        // other file: HintName.Of), so a language server re-parses and re-declares one generated tree per keystroke, not all.
        context.RegisterSourceOutput(emitted, static (output, file) =>
        {
            var start = GeneratorTrace.Start();
            output.AddSource(file.HintName, SourceText.From(file.Source, Encoding.UTF8));
            GeneratorTrace.Log("gen.output", start, null, file.HintName);
        });
    }
}
