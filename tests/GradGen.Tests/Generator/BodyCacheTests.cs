using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using GradGen.Generators;
using GradGen.Generators.Lowering;
using GradGen.Generators.Model;
using GradGen.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace GradGen.Tests.Generator;

/// <summary>
/// Lowered bodies are reused across compilations (<see cref="BodyCache"/>): an edit lowers the methods whose text changed and
/// nothing else, unless it changed a declaration, a directive or a reference, when everything is lowered again. Reuse is seen
/// from outside: a reused method's model (Lower's answer) is the very object of the compilation before (lowering builds a new one), a reused
/// rejection carries the same argument array. Every reuse in these tests (and in every other test) is also checked against
/// a fresh lowering (<see cref="BodyCache.CheckHits"/>), and each output is compared with a new driver's.
/// </summary>
public class BodyCacheTests
{
    private static string Model(string loss = "Ops.Sum(Ops.Tanh(Ops.MatMul(x, w)))") => Harness.Usings + $$"""
        namespace Models;
        public static partial class Net
        {
            [Differentiable]
            public static float Loss(Tensor<float> x, Tensor<float> w) => {{loss}};

            [Differentiable]
            public static double Cell(double a, double b) => Math.Sin(a) * b;

            [Differentiable]
            public static double Chain(double a, double b) => Cell(a, b) * a;

            [Differentiable]
            public static double Rejected(double a, double b) => Math.Floor(a) * b;

            public static int Plain(int x)
            {
                return 2 * x;
            }

            [Differentiable]
            public static double Last(double a, double b)
            {
                var s = a * b;
                return Math.Exp(s) + b;
            }
        }
        """;

    private const string Unrelated = "namespace Other; public static class U { public static int T(int x) => 2 * x; }";

    private static CSharpCompilation Compilation(params string[] sources) =>
        Harness.Compilation(sources).WithAssemblyName("BodyCacheTests." + Guid.NewGuid().ToString("N"));

    private static GeneratorDriver Driver() => CSharpGeneratorDriver.Create(
        [new DifferentiableGenerator().AsSourceGenerator()],
        parseOptions: Harness.ParseOptions,
        driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    private static CSharpCompilation Edit(CSharpCompilation compilation, string marker, Func<string, string> edit)
    {
        var old = compilation.SyntaxTrees.Single(t => t.ToString().Contains(marker, StringComparison.Ordinal));
        var text = edit(old.ToString());
        Assert.NotEqual(old.ToString(), text);
        return compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(text, Harness.ParseOptions, old.FilePath));
    }

    private static string Replace(string text, string from, string to)
    {
        Assert.Contains(from, text, StringComparison.Ordinal);
        return text.Replace(from, to, StringComparison.Ordinal);
    }

    /// <summary>The models Lower gives the compilation's <c>[Differentiable]</c> methods, by method name (accepted ones only).</summary>
    private static Dictionary<string, MethodModel> Models(Compilation compilation) =>
        new[] { "Loss", "Cell", "Chain", "Rejected", "Last" }.Select(name => Lowerer.Lower(Method(compilation, name), compilation, CancellationToken.None).Model)
            .OfType<MethodModel>()
            .ToDictionary(model => model.Name);

    private static string[] Reused(Dictionary<string, MethodModel> before, Dictionary<string, MethodModel> after) =>
        after.Where(pair => before.TryGetValue(pair.Key, out var old) && ReferenceEquals(old, pair.Value)).Select(pair => pair.Key).Order(StringComparer.Ordinal).ToArray();

    /// <summary>The long-lived driver's output equals what a new driver generates for the same compilation.</summary>
    private static void AssertSameAsNewDriver(GeneratorDriver driver, Compilation compilation)
    {
        static string[] Sources(GeneratorDriver d) => d.GetRunResult().GeneratedTrees.Select(t => t.FilePath + "\n" + t).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(Sources(Driver().RunGenerators(compilation)), Sources(driver));
        driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        Assert.Empty(diagnostics);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
    }

    /// <summary>
    /// Runs the long-lived driver, then asks Lower for the models: the driver's pipeline keeps its earlier output objects
    /// when new ones are equal, so reuse shows in Lower's answers, on the compilation the driver just saw.
    /// </summary>
    private static (GeneratorDriver Driver, Dictionary<string, MethodModel> Models) Run(GeneratorDriver driver, Compilation compilation)
    {
        driver = driver.RunGenerators(compilation);
        return (driver, Models(compilation));
    }

    [Fact]
    public void A_body_edit_lowers_that_method_alone()
    {
        var compilation = Compilation(Model(), Unrelated);
        var (driver, first) = Run(Driver(), compilation);
        Assert.Equal(["Cell", "Chain", "Last", "Loss"], first.Keys.Order(StringComparer.Ordinal));

        compilation = Edit(compilation, "class Net", text => Replace(text, "Math.Exp(s) + b", "Math.Exp(s) * b"));
        var (edited, second) = Run(driver, compilation);
        Assert.Equal(["Cell", "Chain", "Loss"], Reused(first, second));
        AssertSameAsNewDriver(edited, compilation);
    }

    [Fact]
    public void A_callee_body_edit_reuses_the_caller_and_still_decides_the_chain_again()
    {
        var compilation = Compilation(Model(), Unrelated);
        var (driver, first) = Run(Driver(), compilation);

        // Cell stops being differentiable: Chain's body is reused, but Chain no longer chains and gets no backward.
        compilation = Edit(compilation, "class Net", text => Replace(text, "Math.Sin(a) * b", "Math.Round(a) * b"));
        var (edited, second) = Run(driver, compilation);
        Assert.Equal(["Last", "Loss"], second.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["Last", "Loss"], Reused(first, second));
        var chain = Lowerer.Lower(Method(compilation, "Chain"), compilation, CancellationToken.None);
        Assert.Null(chain.Model);
        Assert.Equal(RejectionKind.CalleeNotDifferentiable, Assert.Single(chain.Rejections).Kind);
        AssertSameAsNewDriver(edited, compilation);

        // And back: Chain's model is the one lowered at the start (its text and the declarations are those of then).
        compilation = Edit(compilation, "class Net", text => Replace(text, "Math.Round(a) * b", "Math.Sin(a) * b"));
        var (restored, third) = Run(edited, compilation);
        Assert.Equal(["Cell", "Chain", "Last", "Loss"], third.Keys.Order(StringComparer.Ordinal));
        Assert.Same(first["Chain"], third["Chain"]);
        AssertSameAsNewDriver(restored, compilation);
    }

    [Fact]
    public void Edits_in_another_file_or_in_comments_and_whitespace_reuse_every_body()
    {
        var compilation = Compilation(Model(), Unrelated);
        var (driver, first) = Run(Driver(), compilation);

        compilation = Edit(compilation, "class U", text => Replace(text, "2 * x", "x + x"));
        var (afterUnrelated, second) = Run(driver, compilation);
        Assert.Equal(first.Keys.Order(StringComparer.Ordinal), Reused(first, second));

        // Lines added above every method and a plain method's body changed: positions move, nothing is lowered again.
        compilation = Edit(compilation, "class Net", text => Replace(Replace(text, "namespace Models;", "namespace Models;\n// a comment\n\n"), "2 * x", "x << 1"));
        var (afterShift, third) = Run(afterUnrelated, compilation);
        Assert.Equal(first.Keys.Order(StringComparer.Ordinal), Reused(first, third));
        AssertSameAsNewDriver(afterShift, compilation);
    }

    [Theory]
    [InlineData("a member added to the class", "public static int Plain(int x)", "public static double Extra;\n    public static int Plain(int x)")]
    [InlineData("a plain method's signature", "public static int Plain(int x)", "public static long Plain(int x)")]
    [InlineData("a directive inside a plain method's body", "return 2 * x;", "#nullable disable\n        return 2 * x;")]
    [InlineData("a using added to the file", "namespace Models;", "using System.Text;\nnamespace Models;")]
    public void A_declaration_or_directive_edit_lowers_everything_again(string what, string from, string to)
    {
        var compilation = Compilation(Model(), Unrelated);
        var (driver, first) = Run(Driver(), compilation);
        compilation = Edit(compilation, "class Net", text => Replace(text, from, to));
        var (edited, second) = Run(driver, compilation);
        Assert.True(Reused(first, second).Length == 0, what + ": reused " + string.Join(", ", Reused(first, second)));
        AssertSameAsNewDriver(edited, compilation);
    }

    [Fact]
    public void A_declaration_edit_in_another_file_or_a_new_reference_lowers_everything_again()
    {
        var compilation = Compilation(Model(), Unrelated);
        var (driver, first) = Run(Driver(), compilation);
        compilation = Edit(compilation, "class U", text => Replace(text, "public static int T(int x)", "public static int T(int x, int y = 0)"));
        var (edited, second) = Run(driver, compilation);
        Assert.Empty(Reused(first, second));

        var referenced = CSharpCompilation.Create("Extra", [CSharpSyntaxTree.ParseText("public static class Extra { }", Harness.ParseOptions)], Harness.References, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        compilation = compilation.AddReferences(referenced.ToMetadataReference());
        var (referencing, third) = Run(edited, compilation);
        Assert.Empty(Reused(second, third));
        AssertSameAsNewDriver(referencing, compilation);
    }

    [Fact]
    public void A_reused_rejection_points_at_the_same_code_after_the_lines_above_it_moved()
    {
        var compilation = Compilation(Model(), Unrelated);
        var before = Lowerer.Lower(Method(compilation, "Rejected"), compilation, CancellationToken.None);
        var rejection = Assert.Single(before.Rejections);
        Assert.Equal("Math.Floor(a)", rejection.Location.SourceTree!.GetText().ToString(rejection.Location.SourceSpan));

        compilation = Edit(compilation, "class Net", text => Replace(text, "=> Ops.Sum(Ops.Tanh(Ops.MatMul(x, w)));", "\n        => Ops.Sum(\n            Ops.Tanh(Ops.MatMul(x, w)));"));
        var after = Lowerer.Lower(Method(compilation, "Rejected"), compilation, CancellationToken.None);
        var moved = Assert.Single(after.Rejections);
        Assert.Same(rejection.Args, moved.Args); // reused, not lowered again
        Assert.Equal(rejection.Location.GetLineSpan().StartLinePosition.Line + 2, moved.Location.GetLineSpan().StartLinePosition.Line);
        Assert.Equal("Math.Floor(a)", moved.Location.SourceTree!.GetText().ToString(moved.Location.SourceSpan));
        Assert.Same(compilation.SyntaxTrees.Single(t => t.ToString().Contains("class Net", StringComparison.Ordinal)), moved.Location.SourceTree);
    }

    [Fact]
    public void The_analyzer_reports_after_an_edit_what_it_reported_before()
    {
        var compilation = Compilation(Model(), Unrelated);
        var first = Analyze(compilation);
        compilation = Edit(compilation, "class Net", text => Replace(text, "Math.Exp(s) + b", "Math.Exp(s) * b"));
        var second = Analyze(compilation);
        Assert.Equal(first.Select(d => d.Id + " " + d.GetMessage()), second.Select(d => d.Id + " " + d.GetMessage()));
        Assert.Single(second, d => d.Location.SourceTree!.GetText().ToString(d.Location.SourceSpan) == "Math.Floor(a)");
    }

    [Fact]
    public void The_analyzer_reuses_what_the_generator_lowered_unless_the_body_names_a_generated_member()
    {
        var source = Replace(Model(), "public static int Plain(int x)", """
            [Differentiable]
                public static double Names(double a, double b)
                {
                    var stepForward = a * b;
                    return stepForward * a;
                }

                [Differentiable]
                public static double CallsGenerated(double a, double b) => CellBackward(a, b).Value * a;

                public static int Plain(int x)
            """);
        var compilation = Compilation(source, Unrelated);
        Driver().RunGeneratorsAndUpdateCompilation(compilation, out var withGenerated, out _);
        Assert.Contains(withGenerated.SyntaxTrees, t => t.FilePath.Contains("Cell", StringComparison.Ordinal));

        // The analyzer's compilation holds the generated code; a body that names no generated member is not lowered again.
        foreach (var name in new[] { "Loss", "Cell", "Chain", "Last" })
        {
            Assert.Same(Lowerer.Lower(Method(compilation, name), compilation, CancellationToken.None).Model, Lowerer.Lower(Method(withGenerated, name), withGenerated, CancellationToken.None).Model);
        }
        var rejected = Lowerer.Lower(Method(withGenerated, "Rejected"), withGenerated, CancellationToken.None);
        Assert.Same(Lowerer.Lower(Method(compilation, "Rejected"), compilation, CancellationToken.None).Rejections[0].Args, rejected.Rejections[0].Args);

        // One that names an identifier a generated member could have is lowered against the generated code too.
        var names = Lowerer.Lower(Method(withGenerated, "Names"), withGenerated, CancellationToken.None).Model;
        Assert.NotNull(names);
        Assert.NotSame(Lowerer.Lower(Method(compilation, "Names"), compilation, CancellationToken.None).Model, names);

        // A body calling a generated member: without the generated code the call does not bind (the generator emits nothing);
        // with it, it binds to a method that is not differentiable. The analyzer lowers it against its own compilation.
        var inGenerator = Lowerer.Lower(Method(compilation, "CallsGenerated"), compilation, CancellationToken.None);
        var inAnalyzer = Lowerer.Lower(Method(withGenerated, "CallsGenerated"), withGenerated, CancellationToken.None);
        Assert.Null(inGenerator.Model);
        Assert.NotSame(inGenerator.Rejections[0].Args, inAnalyzer.Rejections[0].Args);
        Assert.Contains(Analyze(withGenerated), d => d.Id.StartsWith("GG", StringComparison.Ordinal) && d.GetMessage().Contains("CallsGenerated", StringComparison.Ordinal));
    }

    private static ImmutableArray<Diagnostic> Analyze(Compilation compilation) =>
        compilation.WithAnalyzers([new GradGen.Generators.Diagnostics.DifferentiableAnalyzer()])
            .GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult()
            .OrderBy(d => d.Location.SourceSpan.Start).ToImmutableArray();

    private static IMethodSymbol Method(Compilation compilation, string name) =>
        compilation.GetSymbolsWithName(name, SymbolFilter.Member).OfType<IMethodSymbol>().Single();
}
