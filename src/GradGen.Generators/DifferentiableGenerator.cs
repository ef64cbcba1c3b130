using System;
using System.Collections.Generic;
using System.Linq;
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
                    return model;
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

        context.RegisterSourceOutput(emitted.Collect(), static (output, files) =>
        {
            // Hint names must be unique ignoring case (methods F and f, types C and c): later ones get a numeric suffix.
            var start = GeneratorTrace.Start();
            var used = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var file in files.OrderBy(f => f.Key, StringComparer.Ordinal))
            {
                var stem = file.HintName.Substring(0, file.HintName.Length - ".g.cs".Length);
                var hintName = file.HintName;
                for (var i = 2; !used.Add(hintName); i++) hintName = stem + "." + i + ".g.cs";
                output.AddSource(hintName, SourceText.From(file.Source, Encoding.UTF8));
            }
            GeneratorTrace.Log("gen.output", start, null, files.Length + " files");
        });
    }
}
