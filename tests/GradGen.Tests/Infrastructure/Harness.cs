using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using GradGen.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace GradGen.Tests.Infrastructure;

/// <summary>Runs the real generator over in-memory sources, compiles the result and loads it.</summary>
public static class Harness
{
    private static readonly Lazy<ImmutableArray<MetadataReference>> LazyReferences = new(() =>
    {
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator).ToList();
        paths.Add(typeof(System.Numerics.Tensors.Tensor).Assembly.Location);
        paths.Add(typeof(GradGen.Ops).Assembly.Location);
        return paths.Distinct().Where(File.Exists).Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToImmutableArray();
    });

    public static ImmutableArray<MetadataReference> References => LazyReferences.Value;

    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Preview);

    public const string Usings = "using System;\nusing System.Numerics.Tensors;\nusing GradGen;\n";

    public static CSharpCompilation Compilation(params string[] sources) => CSharpCompilation.Create(
        "GradGenTest" + Guid.NewGuid().ToString("N"),
        sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: "Source" + i + ".cs")),
        References,
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, optimizationLevel: OptimizationLevel.Release));

    public sealed record Result(CSharpCompilation Output, ImmutableArray<Diagnostic> GeneratorDiagnostics, GeneratorDriverRunResult RunResult)
    {
        public IEnumerable<(string HintName, string Source)> Generated =>
            RunResult.Results.SelectMany(r => r.GeneratedSources).Select(s => (s.HintName, s.SourceText.ToString()));

        public string Source(string hintName) => Generated.Single(g => g.HintName == hintName).Source;

        /// <summary>Errors and warnings of the compiled output (generated code included).</summary>
        public IEnumerable<Diagnostic> CompileDiagnostics => Output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning);
    }

    public static Result Run(params string[] sources) => Run(Compilation(sources));

    public static Result Run(CSharpCompilation compilation)
    {
        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            new[] { new DifferentiableGenerator().AsSourceGenerator() },
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        return new Result((CSharpCompilation)output, diagnostics, driver.GetRunResult());
    }

    /// <summary>Generates, compiles (failing on any error or warning) and loads the assembly.</summary>
    public static Assembly Load(params string[] sources)
    {
        var result = Run(sources);
        Assert.Empty(result.GeneratorDiagnostics);
        return Emit(result.Output);
    }

    public static Assembly Emit(Compilation compilation)
    {
        using var stream = new MemoryStream();
        var emit = compilation.Emit(stream);
        var problems = emit.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        if (problems.Count > 0)
        {
            var generated = string.Join("\n\n", compilation.SyntaxTrees.Where(t => t.FilePath.EndsWith(".g.cs")).Select(t => "// " + t.FilePath + "\n" + t));
            throw new Xunit.Sdk.XunitException("Compilation failed:\n" + string.Join("\n", problems.Take(20)) + "\n\n" + generated);
        }
        stream.Position = 0;
        return LoadContexts.New("GradGenTest" + Guid.NewGuid().ToString("N")).LoadFromStream(stream);
    }
}

/// <summary>
/// Whether the tests load compiled code into collectible contexts: not, by default. With collectible contexts the test host
/// crashed in 3 of 20 whole runs under load, non-collectible in 0 of 10 (2026-12-07, .NET 10.0.12, AMD EPYC, 2 cores) — a segfault in the GC's mark
/// phase, the heap damaged by 8-byte zeros (once a run of them at a 16-byte stride, once the method table of a
/// <c>RuntimeType</c> held by a collectible loader's slot array) — and GradGen's own unsafe code, checked by reading, by guard zones (GRADGEN_GUARD=1)
/// and by runs of the kernel tests alone, showed no stray write (docs/architecture.md, "Guard mode"). Generated code keeps
/// <c>[ThreadStatic]</c> workspaces, and thread statics of collectible types have a history of runtime bugs in their
/// cleanup. <c>GRADGEN_TEST_COLLECTIBLE=1</c> brings collectible contexts back (to chase the crash).
/// </summary>
internal static class LoadContexts
{
    public static readonly bool Collectible = Environment.GetEnvironmentVariable("GRADGEN_TEST_COLLECTIBLE") == "1";

    /// <summary>A new context for compiled test code, collectible or not as above: every test that loads compiled code uses it.</summary>
    public static AssemblyLoadContext New(string name) => new(name, isCollectible: Collectible);
}

