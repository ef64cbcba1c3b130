using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using GradGen.Generators;
using GradGen.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace GradGen.Tests.Generator;

/// <summary>The pipeline caches: an unchanged or unrelated-edited compilation re-runs no stage, and no step output holds Roslyn objects.</summary>
public class IncrementalTests
{
    private const string Model = Harness.Usings + """
        namespace Models;
        public static partial class Net
        {
            [Differentiable]
            public static float Loss(Tensor<float> x, Tensor<float> w, int[] targets) => Ops.SoftmaxCrossEntropy(Ops.Tanh(Ops.MatMul(x, w)), targets);

            [Differentiable]
            public static double Scalar(double a, double b) => Math.Sin(a) * b;
        }
        """;

    private const string Unrelated = "namespace Other; public static class Util { public static int Twice(int x) => 2 * x; }";

    private static readonly string[] Steps = [TrackingNames.Lowered, TrackingNames.Accepted, TrackingNames.Differentiated, TrackingNames.Emitted];

    private static (GeneratorDriver Driver, CSharpCompilation Compilation) FirstRun()
    {
        var compilation = Harness.Compilation(Model, Unrelated);
        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            [new DifferentiableGenerator().AsSourceGenerator()],
            parseOptions: Harness.ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));
        driver = driver.RunGenerators(compilation);
        Assert.Equal(2, driver.GetRunResult().GeneratedTrees.Length);
        return (driver, compilation);
    }

    private static void AssertAllCached(GeneratorDriverRunResult result)
    {
        var steps = result.Results.Single().TrackedSteps;
        foreach (var name in Steps)
        {
            Assert.True(steps.ContainsKey(name), "step " + name + " did not run");
            foreach (var output in steps[name].SelectMany(step => step.Outputs))
            {
                Assert.True(output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"step {name} re-ran: {output.Reason}");
            }
        }
    }

    [Fact]
    public void Unchanged_compilation_is_served_from_cache()
    {
        var (driver, compilation) = FirstRun();
        driver = driver.RunGenerators(compilation.Clone());
        AssertAllCached(driver.GetRunResult());
    }

    [Fact]
    public void Edit_to_an_unrelated_file_is_served_from_cache()
    {
        var (driver, compilation) = FirstRun();
        var old = compilation.SyntaxTrees.Single(t => t.ToString().Contains("Twice", StringComparison.Ordinal));
        var edited = compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(Unrelated.Replace("2 * x", "x + x", StringComparison.Ordinal), Harness.ParseOptions, old.FilePath));
        driver = driver.RunGenerators(edited);
        AssertAllCached(driver.GetRunResult());
    }

    [Fact]
    public void Edit_to_the_forward_method_regenerates_it()
    {
        var (driver, compilation) = FirstRun();
        var old = compilation.SyntaxTrees.Single(t => t.ToString().Contains("Net", StringComparison.Ordinal));
        var edited = compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(Model.Replace("Math.Sin(a) * b", "Math.Cos(a) * b", StringComparison.Ordinal), Harness.ParseOptions, old.FilePath));
        driver = driver.RunGenerators(edited);
        var emitted = driver.GetRunResult().Results.Single().TrackedSteps[TrackingNames.Emitted].SelectMany(s => s.Outputs).ToList();
        Assert.Contains(emitted, o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains(driver.GetRunResult().GeneratedTrees, t => t.ToString().Contains("Math.Cos(a)", StringComparison.Ordinal));
    }

    [Fact]
    public void Step_outputs_hold_no_symbols_syntax_or_compilations()
    {
        var (driver, _) = FirstRun();
        var steps = driver.GetRunResult().Results.Single().TrackedSteps;
        foreach (var name in Steps)
        {
            foreach (var output in steps[name].SelectMany(step => step.Outputs))
            {
                AssertNoRoslynObjects(output.Value, name, new HashSet<object>(ReferenceEqualityComparer.Instance));
            }
        }
    }

    private static void AssertNoRoslynObjects(object? value, string path, HashSet<object> seen)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum) return;
        Assert.False(value is ISymbol or SyntaxNode or Compilation or SemanticModel or SyntaxTree or Location, $"{path} holds a {value.GetType().Name}");
        if (!value.GetType().IsValueType && !seen.Add(value)) return;
        if (value is IEnumerable sequence)
        {
            var i = 0;
            foreach (var item in sequence) AssertNoRoslynObjects(item, $"{path}[{i++}]", seen);
        }
        foreach (var field in value.GetType().GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
        {
            AssertNoRoslynObjects(field.GetValue(value), path + "." + field.Name, seen);
        }
    }
}
