using System;
using System.Collections.Generic;
using System.Linq;
using GradGen.Generators;
using GradGen.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace GradGen.Tests.Generator;

/// <summary>
/// Each method's file is a source output of its own, named from the method and its siblings alone (Lowering/HintName.cs):
/// an edit re-adds only the file it changes, names stay unique where Roslyn compares them ignoring case, and every run
/// ends with exactly the files a fresh driver writes.
/// </summary>
public class HintNameTests
{
    private const string Net = Harness.Usings + """
        namespace Models;
        public static partial class Net
        {
            [Differentiable]
            public static double Scalar(double a, double b) => Math.Sin(a) * b;

            [Differentiable]
            public static float Loss(Tensor<float> x, Tensor<float> w, int[] targets) => Ops.SoftmaxCrossEntropy(Ops.Tanh(Ops.MatMul(x, w)), targets);
        }
        """;

    private const string Layers = Harness.Usings + """
        namespace Models;
        public static partial class Layers
        {
            [Differentiable]
            public static double Square(double a) => a * a;
        }
        """;

    private const string Twins = Harness.Usings + """
        namespace Models
        {
            public static partial class C
            {
                [Differentiable]
                public static double F(double x) => x * x;

                [Differentiable]
                public static double f(double x) => x * x * x;

                // An overload that is not [Differentiable] does not rename F's file.
                public static float F(float x) => x;
            }

            public static partial class c
            {
                [Differentiable]
                public static double F(double x) => Math.Sin(x);
            }

            public static partial class Outer
            {
                public static partial class Inner
                {
                    [Differentiable]
                    public static double G(double x) => Math.Exp(x);
                }
            }
        }

        namespace Models.Outer2
        {
            public static partial class Inner
            {
                [Differentiable]
                public static double G(double x) => Math.Cos(x);
            }
        }
        """;

    private static GeneratorDriver Driver() => CSharpGeneratorDriver.Create(
        [new DifferentiableGenerator().AsSourceGenerator()],
        parseOptions: Harness.ParseOptions,
        driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    private static Dictionary<string, string> Files(GeneratorDriver driver) =>
        driver.GetRunResult().Results.Single().GeneratedSources.ToDictionary(s => s.HintName, s => s.SourceText.ToString(), StringComparer.Ordinal);

    private static void AssertSameAsFresh(GeneratorDriver driver, Compilation compilation)
    {
        var fresh = Files(Driver().RunGenerators(compilation));
        var files = Files(driver);
        Assert.Equal(fresh.Keys.Order(StringComparer.Ordinal), files.Keys.Order(StringComparer.Ordinal));
        foreach (var (hint, text) in fresh) Assert.True(files[hint] == text, hint + ": the incremental driver ends with other text than a fresh one");
    }

    [Fact]
    public void An_edit_to_one_method_re_adds_its_file_alone()
    {
        var compilation = Harness.Compilation(Net, Layers);
        var driver = Driver().RunGenerators(compilation);
        Assert.Equal(["Models.Layers.Square.g.cs", "Models.Net.Loss.g.cs", "Models.Net.Scalar.g.cs"], Files(driver).Keys.Order(StringComparer.Ordinal));

        var old = compilation.SyntaxTrees.Single(t => t.ToString().Contains("class Net", StringComparison.Ordinal));
        compilation = compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(Net.Replace("Math.Sin(a) * b", "Math.Cos(a) * b", StringComparison.Ordinal), Harness.ParseOptions, old.FilePath));
        driver = driver.RunGenerators(compilation);

        // One source output per method: only Scalar's ran again; Loss's (same file) and Square's (other file) were kept.
        var outputs = driver.GetRunResult().Results.Single().TrackedOutputSteps["SourceOutput"].SelectMany(s => s.Outputs).ToList();
        Assert.Equal(3, outputs.Count);
        Assert.Single(outputs, o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Equal(2, outputs.Count(o => o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged));
        Assert.Contains("Math.Cos(a)", Files(driver)["Models.Net.Scalar.g.cs"], StringComparison.Ordinal);
        AssertSameAsFresh(driver, compilation);
    }

    [Fact]
    public void Names_equal_but_for_case_get_distinct_names_ranked_by_name_then_position()
    {
        var compilation = Harness.Compilation(Twins);
        var driver = Driver().RunGenerators(compilation);
        Assert.Equal(
            ["Models.C.F.g.cs", "Models.C.f-2.g.cs", "Models.Outer+Inner.G.g.cs", "Models.Outer2.Inner.G.g.cs", "Models.c-2.F.g.cs"],
            Files(driver).Keys.Order(StringComparer.Ordinal));
        driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        var errors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [Fact]
    public void A_twin_added_in_another_file_renames_the_file_it_clashes_with()
    {
        const string Lower = Harness.Usings + """
            namespace Models;
            public static partial class Layers
            {
                [Differentiable]
                public static double square(double a) => a * a * a;
            }
            """;
        var compilation = Harness.Compilation(Layers, Net);
        var driver = Driver().RunGenerators(compilation);
        Assert.Contains("Models.Layers.Square.g.cs", Files(driver).Keys);

        // Square sorts first ('S' is 83, 's' 115), so it keeps its name and its new twin is ranked 2.
        compilation = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText(Lower, Harness.ParseOptions, "Lower.cs"));
        driver = driver.RunGenerators(compilation);
        Assert.Contains("Models.Layers.Square.g.cs", Files(driver).Keys);
        Assert.Contains("Models.Layers.square-2.g.cs", Files(driver).Keys);
        AssertSameAsFresh(driver, compilation);

        compilation = compilation.RemoveSyntaxTrees(compilation.SyntaxTrees.Single(t => t.FilePath == "Lower.cs"));
        driver = driver.RunGenerators(compilation);
        Assert.Equal(["Models.Layers.Square.g.cs", "Models.Net.Loss.g.cs", "Models.Net.Scalar.g.cs"], Files(driver).Keys.Order(StringComparer.Ordinal));
        AssertSameAsFresh(driver, compilation);
    }

    [Fact]
    public void The_order_of_the_files_does_not_change_any_name_or_text()
    {
        var parts = Twins.Split("namespace Models.Outer2", StringSplitOptions.None);
        var first = Files(Driver().RunGenerators(Harness.Compilation(parts[0], Harness.Usings + "namespace Models.Outer2" + parts[1], Net)));
        var second = Files(Driver().RunGenerators(Harness.Compilation(Net, Harness.Usings + "namespace Models.Outer2" + parts[1], parts[0])));
        Assert.Equal(first.Keys.Order(StringComparer.Ordinal), second.Keys.Order(StringComparer.Ordinal));
        foreach (var (hint, text) in first) Assert.Equal(text, second[hint]);
    }
}
