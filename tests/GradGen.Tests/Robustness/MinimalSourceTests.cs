using System;
using System.Collections.Immutable;
using System.Linq;
using System.Reflection;
using GradGen.Generators.Diagnostics;
using GradGen.Generators.Lowering;
using GradGen.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace GradGen.Tests.Robustness;

/// <summary>The minimal sources of issue 8 (a second-opinion fuzzer's findings), each pinned: compiled, run, or checked for its verdict.</summary>
public sealed class MinimalSourceTests
{
    private static string InClass(string members, string type = "public static partial class C") =>
        Harness.Usings + "namespace Minimal;\n\n" + type + "\n{\n" + members + "\n}\n";

    private static (double Value, double Gradient) Backward(Assembly assembly, string method, double x)
    {
        var backward = assembly.GetType("Minimal.C")!.GetMethod(method + "Backward", new[] { typeof(double), typeof(double) })!;
        var result = (ValueTuple<double, double>)backward.Invoke(null, new object[] { x, 1d })!;
        return (result.Item1, result.Item2);
    }

    private static ImmutableArray<Diagnostic> AnalyzerDiagnostics(Compilation compilation) =>
        compilation.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new DifferentiableAnalyzer())).GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();

    [Fact]
    public void A_private_helper_called_from_a_public_method_compiles_and_chains()
    {
        var assembly = Harness.Load(InClass("""
                [Differentiable] private static double Square(double x) => x * x;
                [Differentiable] public static double F(double a) => Square(a) + 1;
            """));
        Assert.Equal((5d, 4d), Backward(assembly, "F", 2));
    }

    [Fact]
    public void A_dynamic_pass_through_parameter_compiles()
    {
        var result = Harness.Run(InClass("[Differentiable] public static double F(double x, dynamic options) => x * x;"));
        Assert.Single(result.Generated);
        Harness.Emit(result.Output);
    }

    [Fact]
    public void A_pointer_parameter_in_an_unsafe_partial_class_compiles()
    {
        var compilation = Harness.Compilation(InClass("[Differentiable] public double F(double* p, double x) => x * x;", "public unsafe partial class C"));
        var result = Harness.Run(compilation.WithOptions(compilation.Options.WithAllowUnsafe(true)));
        Assert.Contains("public unsafe double FForward(double* p, double x", result.Generated.Single().Source);
        Harness.Emit(result.Output);
    }

    [Fact]
    public void A_literal_passed_to_a_passive_parameter_is_a_passive_value()
    {
        var source = InClass("""
                [Differentiable] public static double G(double x, int n) => x * n;
                [Differentiable] public static double K(double x) => G(x, 3);
            """);
        Assert.Empty(AnalyzerDiagnostics(Harness.Compilation(source)));
        Assert.Equal((6d, 3d), Backward(Harness.Load(source), "K", 2));
    }

    [Fact]
    public void Integer_arithmetic_of_passive_parameters_is_recomputed_in_the_forward_sweep()
    {
        var assembly = Harness.Load(InClass("""
                [Differentiable] public static double G(double x, int n) => x * n;
                [Differentiable] public static double H(double x, int n) { var k = n * 2 + 1; return G(x, k) * x; }
                [Differentiable] public static double K(double x) => H(x, 3);
            """));
        Assert.Equal((28d, 28d), Backward(assembly, "K", 2)); // K = 7x², dK/dx = 14x
    }

    [Theory]
    [InlineData(700, "{", " return x * x; ", "}")]
    [InlineData(1_000, "(", "x", ")")]
    public void Over_deep_code_gets_the_same_verdict_on_any_stack(int depth, string open, string inner, string close)
    {
        var body = string.Concat(Enumerable.Repeat(open, depth)) + inner + string.Concat(Enumerable.Repeat(close, depth));
        var source = InClass("[Differentiable] public static double F(double x)" + (open == "{" ? "\n" + body : " => " + body + " * x;"));
        // Parsed on a roomy stack (the parser's depth is Roslyn's affair); each verdict gets a fresh compilation (the call graph is per compilation).
        var parsed = Isolated.Run("parse", token => RobustnessCheck.Compilation(new[] { new RobustSource("Minimal", "Deep", source) }, token, concurrentBuild: false), stackSize: 256 * 1024 * 1024).Result;
        string Verdict(int stack) => Isolated.Run("verdict", token =>
        {
            var compilation = parsed.Clone();
            var method = compilation.GetTypeByMetadataName("Minimal.C")!.GetMembers("F").OfType<IMethodSymbol>().Single();
            var result = Lowerer.Lower(method, compilation, token);
            return string.Join("; ", result.Rejections.Select(r => r.Kind + " " + string.Join(", ", r.Args)));
        }, stackSize: stack).Result;
        var small = Verdict(Isolated.StackSize);
        Assert.Contains("UnsupportedConstruct code nested more than " + SyntaxDepth.Limit + " syntax levels deep", small);
        Assert.Equal(small, Verdict(256 * 1024 * 1024));
    }

    [Theory]
    [InlineData("CS0116", "namespace Minimal;\n[Differentiable] static double F(double x) => x * x;\n")]
    [InlineData("CS0708", "namespace Minimal;\npublic static partial class C\n{\n    [Differentiable] public double F(double x) => x * x;\n}\n")]
    [InlineData("CS0112", "namespace Minimal;\npublic static partial class C\n{\n    [Differentiable] public static virtual double F(double x) => x * x;\n}\n")]
    [InlineData("CS0246", "namespace Minimal;\npublic static partial class C : NotAType\n{\n    [Differentiable] public static double F(double x) => x * x;\n}\n")]
    public void A_declaration_that_does_not_compile_gets_nothing_generated(string error, string source)
    {
        var result = Harness.Run(Harness.Usings + source);
        Assert.Empty(result.Generated);
        Assert.Contains(result.Output.GetDiagnostics(), d => d.Id == error);
        Assert.DoesNotContain(AnalyzerDiagnostics(result.Output), d => d.Id.StartsWith("GG", StringComparison.Ordinal));
    }

    [Fact]
    public void An_error_in_another_member_does_not_stop_generation()
    {
        var result = Harness.Run(InClass("[Differentiable] public static double F(double x) => x * x;\nstatic void Broken() => Undefined();"));
        Assert.Single(result.Generated);
        Assert.All(result.Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error), d => Assert.Equal("Source0.cs", d.Location.SourceTree?.FilePath));
    }

    [Fact]
    public void A_differentiable_lambda_is_named_as_a_lambda()
    {
        var compilation = Harness.Compilation(InClass("public static Func<double, double> M() => [Differentiable] (double y) => y * y;"));
        var diagnostic = Assert.Single(AnalyzerDiagnostics(compilation));
        Assert.Equal("GG0007", diagnostic.Id);
        Assert.StartsWith("[Differentiable] method '(lambda in M)' cannot be differentiated: only ordinary methods", diagnostic.GetMessage());
    }

    /// <summary>
    /// Roslyn treats code under <c>#line hidden</c> as generated code and, for an analyzer that does not ask to analyze generated
    /// code, dropped the rejection: no backward and no error (docs/diagnostics/README.md). The analyzer now analyzes it.
    /// </summary>
    [Fact]
    public void Under_line_hidden_the_rejection_is_still_reported()
    {
        var compilation = Harness.Compilation(InClass("""
                [Differentiable]
                public static double F(double x)
                {
                #line hidden
                    var y = x % 2;
                #line default
                    return y;
                }
            """));
        var diagnostics = AnalyzerDiagnostics(compilation);
        Assert.Contains(diagnostics, d => d.Id == "GG0005");
    }
}
