using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using GradGen.Generators.Diagnostics;
using GradGen.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace GradGen.Tests.Diagnostics;

/// <summary>
/// GG diagnostics come from an analyzer, so the usual suppressions apply: <c>#pragma warning disable</c>,
/// <c>[SuppressMessage]</c> (on the member or the assembly) and <c>.editorconfig</c> severities. Each test asks the compiler to
/// report suppressed diagnostics too, so it proves the diagnostic was raised and then suppressed (not simply never raised).
/// </summary>
public class SuppressionTests
{
    private static async Task<ImmutableArray<Diagnostic>> AnalyzeAsync(string source)
    {
        var compilation = Harness.Compilation(Harness.Usings + source);
        var options = new CompilationWithAnalyzersOptions(new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), onAnalyzerException: null,
            concurrentAnalysis: false, logAnalyzerExecutionTime: false, reportSuppressedDiagnostics: true);
        var diagnostics = await compilation.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new DifferentiableAnalyzer()), options)
            .GetAnalyzerDiagnosticsAsync(CancellationToken.None);
        return diagnostics;
    }

    private static async Task AssertSuppressed(string source, string id)
    {
        var diagnostics = await AnalyzeAsync(source);
        var matching = diagnostics.Where(d => d.Id == id).ToList();
        Assert.NotEmpty(matching);
        Assert.All(matching, d => Assert.True(d.IsSuppressed, d + " should be suppressed"));
        Assert.DoesNotContain(diagnostics, d => !d.IsSuppressed && d.Id.StartsWith("GG", System.StringComparison.Ordinal));
    }

    [Fact]
    public Task Pragma_suppresses_GG0003() => AssertSuppressed("""
        public static partial class C
        {
            [Differentiable]
            public static double F(double a)
            {
                var s = a;
        #pragma warning disable GG0003 // the try is deliberate; this method is not differentiated yet
                try { s = s * a; } finally { }
        #pragma warning restore GG0003
                return s;
            }
        }
        """, "GG0003");

    [Fact]
    public async Task Pragma_covers_only_its_region()
    {
        var diagnostics = await AnalyzeAsync("""
            public static partial class C
            {
                [Differentiable]
                public static double F(double a)
                {
                    var s = a;
            #pragma warning disable GG0003
                    try { s = s * a; } finally { }
            #pragma warning restore GG0003
                    try { s = s * 2; } finally { }
                    return s;
                }
            }
            """);
        Assert.Equal(2, diagnostics.Count(d => d.Id == "GG0003"));
        Assert.Single(diagnostics, d => d.Id == "GG0003" && !d.IsSuppressed && d.Location.SourceTree!.ToString().Substring(d.Location.SourceSpan.Start).StartsWith("try", System.StringComparison.Ordinal));
    }

    [Fact]
    public Task SuppressMessage_on_the_method_suppresses_GG0003() => AssertSuppressed("""
        public static partial class C
        {
            [Differentiable]
            [System.Diagnostics.CodeAnalysis.SuppressMessage("GradGen", "GG0003:Construct not supported in a [Differentiable] method", Justification = "work in progress")]
            public static double F(double a)
            {
                var s = a;
                try { s = s * a; } finally { }
                return s;
            }
        }
        """, "GG0003");

    [Fact]
    public Task SuppressMessage_on_the_assembly_suppresses_GG0005() => AssertSuppressed("""
        [assembly: System.Diagnostics.CodeAnalysis.SuppressMessage("GradGen", "GG0005", Scope = "member", Target = "~M:C.F(System.Double)~System.Double")]

        public static partial class C
        {
            [Differentiable]
            public static double F(double a) => Math.Floor(a) * a;
        }
        """, "GG0005");

    [Fact]
    public Task Pragma_suppresses_GG0001_at_the_type() => AssertSuppressed("""
        #pragma warning disable GG0001
        public static class C
        #pragma warning restore GG0001
        {
            [Differentiable]
            public static double F(double a) => a * a;
        }
        """, "GG0001");

    [Fact]
    public Task Pragma_suppresses_the_GG0010_hint() => AssertSuppressed("""
        public static partial class C
        {
            [Differentiable]
        #pragma warning disable GG0010
            public static double F(double a, double b) => a * 2;
        #pragma warning restore GG0010
        }
        """, "GG0010");

    [Fact]
    public Task Editorconfig_severity_none_silences_GG0004()
    {
        var test = new Verify.AnalyzerTest();
        test.TestState.Sources.Add(Verify.WithUsings("""
            public static partial class C
            {
                private static double Square(double x) => x * x;

                [Differentiable]
                public static double F(double a) => Square(a);
            }
            """));
        test.TestState.AnalyzerConfigFiles.Add(("/.editorconfig", "root = true\n\n[*]\ndotnet_diagnostic.GG0004.severity = none\n"));
        return test.RunAsync(CancellationToken.None);
    }
}
