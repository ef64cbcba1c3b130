using System;
using System.Linq;
using GradGen.Generators;
using GradGen.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace GradGen.Tests.Generator;

/// <summary>
/// A caller's lowering reads its callees (whether they are accepted, their signatures). When only a callee's file changes,
/// the caller's generated code — and whether there is any — must follow: Roslyn re-runs the transform of every
/// <c>[Differentiable]</c> method on each new compilation (the incremental pipeline caches on the transform's equatable
/// output, not on its input), and Lower reads the callees in that compilation. Each test edits file B (or C) and checks
/// file A's output, and that the output compiles.
/// </summary>
public class StaleCallerTests
{
    private const string Caller = Harness.Usings + """
        namespace Models;
        public static partial class A
        {
            [Differentiable]
            public static double F(double x, double y) => B.G(x, y) * x;
        }
        """;

    private const string Callee = Harness.Usings + """
        namespace Models;
        public static partial class B
        {
            [Differentiable]
            public static double G(double a, double b) => Math.Sin(a) * b;
        }
        """;

    private const string Unrelated = "namespace Other; public static class U { public static int T(int x) => 2 * x; }";

    private static GeneratorDriver Driver() => CSharpGeneratorDriver.Create(
        [new DifferentiableGenerator().AsSourceGenerator()],
        parseOptions: Harness.ParseOptions,
        driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    private static CSharpCompilation Replace(CSharpCompilation compilation, string marker, string text)
    {
        var old = compilation.SyntaxTrees.Single(t => t.ToString().Contains(marker, StringComparison.Ordinal));
        return compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(text, Harness.ParseOptions, old.FilePath));
    }

    private static string[] Files(GeneratorDriver driver) => driver.GetRunResult().GeneratedTrees.Select(t => System.IO.Path.GetFileName(t.FilePath)).Order(StringComparer.Ordinal).ToArray();

    /// <summary>The generated code compiles with the user's: no error anywhere (a stale caller calls members that no longer fit).</summary>
    private static void AssertCompiles(GeneratorDriver driver, Compilation compilation)
    {
        driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        var errors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    /// <summary>
    /// The caller's transform ran again although its file did not change, and its output changed: what keeps callers
    /// current. Should a Roslyn version stop re-running transforms of unchanged files, this fails first.
    /// </summary>
    private static void AssertCallerRelowered(GeneratorDriver driver)
    {
        var lowered = driver.GetRunResult().Results.Single().TrackedSteps[TrackingNames.Lowered].SelectMany(s => s.Outputs).ToList();
        // Both the callee's output and the caller's changed (the caller's file did not).
        Assert.Equal(2, lowered.Count(o => o.Reason == IncrementalStepRunReason.Modified));
    }

    [Fact]
    public void A_callee_that_becomes_rejected_in_another_file_takes_the_callers_backward_away_and_back()
    {
        var compilation = Harness.Compilation(Caller, Callee, Unrelated);
        var driver = Driver().RunGenerators(compilation);
        Assert.Equal(["Models.A.F.g.cs", "Models.B.G.g.cs"], Files(driver));

        compilation = Replace(compilation, "class B", Callee.Replace("Math.Sin(a) * b", "Math.Round(a) * b", StringComparison.Ordinal));
        driver = driver.RunGenerators(compilation);
        AssertCallerRelowered(driver);
        Assert.Empty(Files(driver));
        AssertCompiles(driver, compilation);

        // An unrelated edit afterwards: the caller is still found stale (its own output is as old as before) and stays rejected.
        compilation = Replace(compilation, "class U", Unrelated.Replace("2 * x", "x + x", StringComparison.Ordinal));
        driver = driver.RunGenerators(compilation);
        Assert.Empty(Files(driver));

        compilation = Replace(compilation, "class B", Callee);
        driver = driver.RunGenerators(compilation);
        Assert.Equal(["Models.A.F.g.cs", "Models.B.G.g.cs"], Files(driver));
        AssertCompiles(driver, compilation);
    }

    [Fact]
    public void A_callee_whose_signature_changes_in_another_file_regenerates_the_caller()
    {
        var compilation = Harness.Compilation(Caller, Callee);
        var driver = Driver().RunGenerators(compilation);
        Assert.DoesNotContain("ref unused", driver.GetRunResult().GeneratedTrees.Single(t => t.FilePath.EndsWith("Models.A.F.g.cs", StringComparison.Ordinal)).ToString(), StringComparison.Ordinal);

        // b is no longer differentiated: G's pullback loses a gradient parameter, and F must call it without one.
        compilation = Replace(compilation, "class B", Callee.Replace("double b)", "[NoGradient] double b)", StringComparison.Ordinal));
        driver = driver.RunGenerators(compilation);
        AssertCallerRelowered(driver);
        Assert.Equal(["Models.A.F.g.cs", "Models.B.G.g.cs"], Files(driver));
        AssertCompiles(driver, compilation);

        // The return type narrows: F still compiles (float * double), but the upstream gradient it hands G's pullback must be a float now.
        compilation = Replace(compilation, "class B", Callee.Replace("public static double G", "public static float G", StringComparison.Ordinal).Replace("Math.Sin(a) * b", "(float)(Math.Sin(a) * b)", StringComparison.Ordinal));
        driver = driver.RunGenerators(compilation);
        AssertCallerRelowered(driver);
        Assert.Equal(["Models.A.F.g.cs", "Models.B.G.g.cs"], Files(driver));
        AssertCompiles(driver, compilation);
    }

    [Fact]
    public void Marking_the_callee_Differentiable_in_another_file_gives_the_caller_its_backward()
    {
        var unmarked = Callee.Replace("[Differentiable]", "", StringComparison.Ordinal);
        var compilation = Harness.Compilation(Caller, unmarked);
        var driver = Driver().RunGenerators(compilation);
        Assert.Empty(Files(driver));

        compilation = Replace(compilation, "class B", Callee);
        driver = driver.RunGenerators(compilation);
        Assert.Equal(["Models.A.F.g.cs", "Models.B.G.g.cs"], Files(driver));
        AssertCompiles(driver, compilation);
    }

    [Fact]
    public void A_change_two_calls_away_reaches_the_first_caller()
    {
        const string Middle = Harness.Usings + """
            namespace Models;
            public static partial class B
            {
                [Differentiable]
                public static double G(double a, double b) => C.H(a) * b;
            }
            """;
        const string Leaf = Harness.Usings + """
            namespace Models;
            public static partial class C
            {
                [Differentiable]
                public static double H(double a) => Math.Exp(a);
            }
            """;
        var compilation = Harness.Compilation(Caller, Middle, Leaf);
        var driver = Driver().RunGenerators(compilation);
        Assert.Equal(["Models.A.F.g.cs", "Models.B.G.g.cs", "Models.C.H.g.cs"], Files(driver));

        compilation = Replace(compilation, "class C", Leaf.Replace("Math.Exp(a)", "Math.Floor(a)", StringComparison.Ordinal));
        driver = driver.RunGenerators(compilation);
        Assert.Empty(Files(driver));

        compilation = Replace(compilation, "class C", Leaf);
        driver = driver.RunGenerators(compilation);
        Assert.Equal(["Models.A.F.g.cs", "Models.B.G.g.cs", "Models.C.H.g.cs"], Files(driver));
        AssertCompiles(driver, compilation);
    }

    [Fact]
    public void An_edit_to_a_weight_type_in_another_file_reaches_the_methods_that_read_it()
    {
        const string Model = Harness.Usings + """
            namespace Models;
            public static partial class Net
            {
                [Differentiable]
                public static double Loss(Layer layer, Tensor<double> x) => Ops.Sum(Ops.Tanh(Ops.MatMul(x, layer.W)));
            }
            """;
        const string Layer = Harness.Usings + """
            namespace Models;
            public sealed class Layer
            {
                public Layer(Tensor<double> w) { W = w; }
                public Tensor<double> W { get; }
            }
            """;
        var compilation = Harness.Compilation(Model, Layer);
        var driver = Driver().RunGenerators(compilation);
        Assert.Equal(["Models.Net.Loss.g.cs"], Files(driver));

        // A settable member could change between the forward and the backward sweep: rejected at the read.
        compilation = Replace(compilation, "class Layer", Layer.Replace("{ get; }", "{ get; set; }", StringComparison.Ordinal));
        driver = driver.RunGenerators(compilation);
        Assert.Empty(Files(driver));

        compilation = Replace(compilation, "class Layer", Layer);
        driver = driver.RunGenerators(compilation);
        Assert.Equal(["Models.Net.Loss.g.cs"], Files(driver));
        AssertCompiles(driver, compilation);
    }
}
