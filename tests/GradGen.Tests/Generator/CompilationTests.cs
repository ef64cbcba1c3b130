using System;
using System.Linq;
using GradGen.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace GradGen.Tests.Generator;

/// <summary>The generated code compiles cleanly wherever the user's code does.</summary>
public class CompilationTests
{
    private const string Source = Harness.Usings + """
        namespace Strict;

        /// <summary>A documented public API, as in a library that treats warnings as errors.</summary>
        public static partial class Layer
        {
            /// <summary>A dense tanh layer.</summary>
            [Differentiable]
            public static Tensor<float> Dense(Tensor<float> x, Tensor<float> w, Tensor<float> b) => Ops.Tanh(Ops.Add(Ops.MatMul(x, w), b));

            /// <summary>The loss.</summary>
            [Differentiable]
            public static float Loss(Tensor<float> x, Tensor<float> w, Tensor<float> b, int[] targets, float scale)
            {
                var h = Dense(x, w, b);
                return Ops.SoftmaxCrossEntropy(Ops.Multiply(h, scale), targets) + scale * scale;
            }
        }
        """;

    [Theory]
    [InlineData(LanguageVersion.CSharp10)]
    [InlineData(LanguageVersion.CSharp12)]
    [InlineData(LanguageVersion.Preview)]
    public void Generated_code_has_no_warnings_with_nullable_docs_and_warnings_as_errors(LanguageVersion version)
    {
        var parse = new CSharpParseOptions(version, DocumentationMode.Diagnose);
        var compilation = CSharpCompilation.Create("Strict",
            [CSharpSyntaxTree.ParseText(Source, parse, "Layer.cs")],
            Harness.References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable,
                generalDiagnosticOption: ReportDiagnostic.Error, warningLevel: 9999));
        var driver = CSharpGeneratorDriver.Create([new GradGen.Generators.DifferentiableGenerator().AsSourceGenerator()], parseOptions: parse);
        driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        Assert.Empty(generatorDiagnostics);
        Assert.Equal(3, output.SyntaxTrees.Count());
        var problems = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning || d.IsWarningAsError).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));

        // The generated files turn nullable warnings off (so an IDE does not run the nullable analysis over them on every
        // keystroke); with them on, the generated code must still have none.
        var generated = output.SyntaxTrees.Where(t => t.FilePath.Contains("DifferentiableGenerator", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(generated);
        var withWarnings = output;
        foreach (var tree in generated)
        {
            var text = tree.ToString();
            Assert.Contains(GradGen.Generators.Emit.Emitter.NullableContext, text, StringComparison.Ordinal);
            withWarnings = withWarnings.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(
                text.Replace(GradGen.Generators.Emit.Emitter.NullableContext, "#nullable enable", StringComparison.Ordinal), parse, tree.FilePath));
        }
        problems = withWarnings.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning || d.IsWarningAsError).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }
}
