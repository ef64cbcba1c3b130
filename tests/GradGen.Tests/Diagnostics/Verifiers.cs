using System.Collections.Immutable;
using System.Threading;
using System.Threading.Tasks;
using GradGen.Generators.Diagnostics;
using GradGen.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace GradGen.Tests.Diagnostics;

/// <summary>
/// Analyzer and code-fix tests with the Roslyn testing library's markup (<c>{|GG0003:expr|}</c>). References come from
/// the running test host (the same set as <see cref="Harness"/>), never from a NuGet download, so the tests work offline.
/// Sources get <see cref="Harness.Usings"/> prepended and C# preview (Tensor's <c>+ - * /</c> are C# 14 extension operators).
/// </summary>
public static class Verify
{
    /// <summary>No reference-assembly package: the test host's own assemblies are added as <c>AdditionalReferences</c>.</summary>
    public static readonly ReferenceAssemblies LocalReferences = new("net10.0");

    public static string WithUsings(string source) => Harness.Usings + source;

    public static DiagnosticResult Diagnostic(string id) => new(id, id == "GG0010" ? DiagnosticSeverity.Info : DiagnosticSeverity.Error);

    /// <summary>Runs the analyzer on the sources (usings prepended) and checks the markup and <paramref name="expected"/> diagnostics.</summary>
    public static Task Analyzer(string source, params DiagnosticResult[] expected) => Analyzer(new[] { source }, expected);

    public static Task Analyzer(string[] sources, params DiagnosticResult[] expected)
    {
        var test = new AnalyzerTest();
        foreach (var source in sources) test.TestState.Sources.Add(WithUsings(source));
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync(CancellationToken.None);
    }

    /// <summary>
    /// Runs the code fix on <paramref name="source"/> and compares with <paramref name="fixedSource"/> (usings prepended to both
    /// unless <paramref name="usings"/> is false). <paramref name="iterations"/>: how many fix applications it takes when one
    /// fix resolves several diagnostics (default: one per diagnostic).
    /// </summary>
    public static Task CodeFix<TFix>(string source, string fixedSource, bool usings = true, int? iterations = null)
        where TFix : CodeFixProvider, new()
    {
        var test = new CodeFixTest<TFix>
        {
            TestCode = usings ? WithUsings(source) : source,
            FixedCode = usings ? WithUsings(fixedSource) : fixedSource,
        };
        if (iterations is { } count)
        {
            test.NumberOfIncrementalIterations = count;
            test.NumberOfFixAllIterations = count;
        }
        return test.RunAsync(CancellationToken.None);
    }

    /// <summary>Checks that <typeparamref name="TFix"/> offers nothing for the diagnostics marked in <paramref name="source"/>.</summary>
    public static Task NoCodeFix<TFix>(string source)
        where TFix : CodeFixProvider, new()
    {
        var test = new CodeFixTest<TFix> { TestCode = WithUsings(source), FixedCode = WithUsings(source) };
        return test.RunAsync(CancellationToken.None);
    }

    private static void Configure(AnalyzerTest<DefaultVerifier> test)
    {
        test.ReferenceAssemblies = LocalReferences;
        test.TestState.AdditionalReferences.AddRange(Harness.References);
    }

    public sealed class AnalyzerTest : CSharpAnalyzerTest<DifferentiableAnalyzer, DefaultVerifier>
    {
        public AnalyzerTest() => Configure(this);

        protected override ParseOptions CreateParseOptions() => Harness.ParseOptions;

        protected override CompilationOptions CreateCompilationOptions() =>
            ((CSharpCompilationOptions)base.CreateCompilationOptions()).WithNullableContextOptions(NullableContextOptions.Enable);
    }

    public sealed class CodeFixTest<TFix> : CSharpCodeFixTest<DifferentiableAnalyzer, TFix, DefaultVerifier>
        where TFix : CodeFixProvider, new()
    {
        public CodeFixTest() => Configure(this);

        protected override ParseOptions CreateParseOptions() => Harness.ParseOptions;

        protected override CompilationOptions CreateCompilationOptions() =>
            ((CSharpCompilationOptions)base.CreateCompilationOptions()).WithNullableContextOptions(NullableContextOptions.Enable);
    }
}
