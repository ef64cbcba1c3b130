using System;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using BenchmarkDotNet.Attributes;
using GradGen.Generators;
using GradGen.Generators.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace GradGen.Benchmarks;

/// <summary>
/// What GradGen adds to a keystroke in the editor, through the generator driver the way an IDE uses it: one file holding
/// 20 or 200 <c>[Differentiable]</c> methods (<see cref="SyntheticProject"/> with every method in one file), one
/// long-lived driver, and a sequence of edits inside the first method's body. Each keystroke: the text change re-parsed
/// incrementally and a new compilation; then the edited file's compiler diagnostics and analyzer diagnostics through one
/// <see cref="CompilationWithAnalyzers"/>, as the IDE computes them. Without GradGen the analyzers are one that does
/// nothing (<see cref="IdeAnalyzers"/>: a stand-in for the analyzers an IDE always runs — Roslyn's analyzer driver binds
/// the file again for any analyzer, measured at about the compiler's own cost); with GradGen the generator runs first on
/// the long-lived driver, the compilation holds the generated code, and GradGen's analyzer runs beside the stand-in. The
/// difference of the two rows is what a user waits for because of GradGen; a third row leaves GradGen's analyzer out, to
/// tell its cost from the generator's and the generated code's. The setup fails the run unless GradGen
/// reports nothing and the edited method's backward follows the edit.
/// </summary>
[MemoryDiagnoser]
[MedianColumn, MinColumn]
public class EditorBenchmarks
{
    [Params(20, 200)]
    public int Methods;

    private static readonly ImmutableArray<DiagnosticAnalyzer> Ide = [new IdeAnalyzers()];
    private static readonly ImmutableArray<DiagnosticAnalyzer> IdeAndGradGen = [new IdeAnalyzers(), new DifferentiableAnalyzer()];

    private GeneratorDriver _driver = null!;
    private CSharpCompilation _compilation = null!;
    private int _at;

    [GlobalSetup]
    public void Setup()
    {
        var project = new SyntheticProject(Methods, perFile: Methods);
        _at = project.FirstModelFile.ToString().IndexOf(SyntheticProject.BodyEditFrom, StringComparison.Ordinal);
        _compilation = project.Compilation("Editor" + Methods);
        _driver = CSharpGeneratorDriver.Create([new DifferentiableGenerator().AsSourceGenerator()], parseOptions: SyntheticProject.ParseOptions);
        for (var i = 0; i < 2; i++)
        {
            var diagnostics = WithGradGen();
            if (diagnostics.Length != 0) throw new InvalidOperationException("expected no diagnostics, got " + string.Join("; ", diagnostics.Take(5)));
            var edited = _driver.GetRunResult().GeneratedTrees.Single(t => t.FilePath.EndsWith(".Mlp0.g.cs", StringComparison.Ordinal)).ToString();
            var now = _compilation.SyntaxTrees.First().ToString().Substring(_at, SyntheticProject.BodyEditFrom.Length);
            if (!edited.Contains(now, StringComparison.Ordinal)) throw new InvalidOperationException("the edited method's backward does not follow the edit (" + now + ")");
        }
    }

    [Benchmark(Baseline = true, Description = "keystroke without GradGen: the edited file's compiler and analyzer diagnostics")]
    public ImmutableArray<Diagnostic> WithoutGradGen()
    {
        var tree = Edit();
        return Diagnostics(_compilation, tree, Ide);
    }

    [Benchmark(Description = "keystroke with GradGen: the generator, then the same with GradGen's analyzer and the generated code")]
    public ImmutableArray<Diagnostic> WithGradGen()
    {
        var tree = Edit();
        _driver = _driver.RunGeneratorsAndUpdateCompilation(_compilation, out var output, out _);
        return Diagnostics(output, tree, IdeAndGradGen);
    }

    [Benchmark(Description = "for attribution: the generator and the generated code, without GradGen's analyzer")]
    public ImmutableArray<Diagnostic> GeneratorOnly()
    {
        var tree = Edit();
        _driver = _driver.RunGeneratorsAndUpdateCompilation(_compilation, out var output, out _);
        return Diagnostics(output, tree, Ide);
    }

    /// <summary>The edited file's compiler errors and analyzer diagnostics, one binding shared as in the IDE.</summary>
    private static ImmutableArray<Diagnostic> Diagnostics(Compilation compilation, SyntaxTree tree, ImmutableArray<DiagnosticAnalyzer> analyzers)
    {
        var withAnalyzers = compilation.WithAnalyzers(analyzers);
        var model = withAnalyzers.Compilation.GetSemanticModel(tree);
        var compiler = model.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error);
        var analyzer = withAnalyzers.GetAnalyzerSemanticDiagnosticsAsync(model, null, CancellationToken.None).GetAwaiter().GetResult();
        return compiler.Concat(analyzer).ToImmutableArray();
    }

    /// <summary>One keystroke in the first method's body (toggling between two texts of the same length).</summary>
    private SyntaxTree Edit()
    {
        var old = _compilation.SyntaxTrees.First();
        var tree = SyntheticProject.Toggle(old, _at, SyntheticProject.BodyEditFrom, SyntheticProject.BodyEditTo);
        _compilation = _compilation.ReplaceSyntaxTree(old, tree);
        return tree;
    }
}

/// <summary>An analyzer that looks at every method and type and reports nothing: the IDE's own analyzers, for the baseline.</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class IdeAnalyzers : DiagnosticAnalyzer
{
    private static readonly DiagnosticDescriptor Never = new("IDE9999", "never", "never", "stand-in", DiagnosticSeverity.Hidden, isEnabledByDefault: true);

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => [Never];

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterSymbolAction(_ => { }, SymbolKind.Method, SymbolKind.NamedType);
    }
}
