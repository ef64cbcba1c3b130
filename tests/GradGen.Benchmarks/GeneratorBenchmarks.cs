using System;
using System.Collections.Concurrent;
using System.Linq;
using BenchmarkDotNet.Attributes;
using GradGen.Generators;
using GradGen.Generators.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace GradGen.Benchmarks;

/// <summary>
/// GradGen's generator (and analyzer) driven in process on a project of 1 or 200 <c>[Differentiable]</c> methods
/// (<see cref="SyntheticProject"/>): a full run on a new compilation of a project GradGen has not seen, as a build starts
/// in a new process; the same full run of code it lowered before (a compiler server building unchanged code again keeps
/// the generator loaded, and with it the lowered bodies); and, on one long-lived driver as an
/// IDE keeps it, an edit inside one method's body, an edit of a plain method in a file that also holds
/// <c>[Differentiable]</c> methods, and an edit of a file that holds none. Each edit is a text change re-parsed
/// incrementally, a new compilation with that tree replaced, and the driver run again. For scale: Roslyn alone binding the
/// same new compilation (<c>GetDiagnostics</c>, no generator). The setup fails the run unless the full run generates a
/// backward for every method and the result compiles, the one-method edit regenerates the edited method, and the other
/// edits regenerate nothing; it prints how many methods each edit lowered again.
/// </summary>
[MemoryDiagnoser]
[MedianColumn, MinColumn]
public class GeneratorBenchmarks
{
    [Params(1, 200)]
    public int Methods;

    private static readonly ConcurrentDictionary<int, bool> Verified = new();

    private SyntheticProject _project = null!;
    private GeneratorDriver _driver = null!;
    private CSharpCompilation _compilation = null!;
    private int _bodyAt, _plainAt, _utilAt;

    [GlobalSetup]
    public void Setup()
    {
        _project = new SyntheticProject(Methods);
        string first = _project.FirstModelFile.ToString(), util = _project.Util.ToString();
        _bodyAt = first.IndexOf(SyntheticProject.BodyEditFrom, StringComparison.Ordinal);
        _plainAt = first.IndexOf(SyntheticProject.PlainEditFrom, StringComparison.Ordinal);
        _utilAt = util.IndexOf(SyntheticProject.PlainEditFrom, StringComparison.Ordinal);
        if (Verified.TryAdd(Methods, true)) Verify();

        _compilation = _project.Compilation();
        _driver = Driver(track: false).RunGenerators(_compilation);
    }

    private int _projects;

    [Benchmark(Description = "full run: new compilation, new driver, a project not seen before")]
    public GeneratorDriver FullRun() => Driver(track: false).RunGenerators(_project.Compilation("Synthetic" + Methods + "." + _projects++));

    [Benchmark(Description = "full run: new compilation, new driver, code lowered before")]
    public GeneratorDriver FullRunAgain() => Driver(track: false).RunGenerators(_project.Compilation());

    [Benchmark(Description = "edit inside one [Differentiable] method's body")]
    public GeneratorDriver EditMethodBody() => Edit(0, _bodyAt, SyntheticProject.BodyEditFrom, SyntheticProject.BodyEditTo);

    [Benchmark(Description = "edit of a plain method beside [Differentiable] ones")]
    public GeneratorDriver EditPlainMethod() => Edit(0, _plainAt, SyntheticProject.PlainEditFrom, SyntheticProject.PlainEditTo);

    [Benchmark(Description = "edit of a file without [Differentiable] methods")]
    public GeneratorDriver EditOtherFile() => Edit(_compilation.SyntaxTrees.Count() - 1, _utilAt, SyntheticProject.PlainEditFrom, SyntheticProject.PlainEditTo);

    [Benchmark(Description = "analyzer: new compilation, all diagnostics, a project not seen before")]
    public int Analyzer() => _project.Compilation("Synthetic" + Methods + "." + _projects++)
        .WithAnalyzers([new DifferentiableAnalyzer()])
        .GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult().Length;

    [Benchmark(Description = "for scale: Roslyn binds the new compilation (GetDiagnostics, no generator)")]
    public int RoslynAlone() => _project.Compilation().GetDiagnostics().Length;

    private static GeneratorDriver Driver(bool track) => CSharpGeneratorDriver.Create(
        [new DifferentiableGenerator().AsSourceGenerator()],
        parseOptions: SyntheticProject.ParseOptions,
        driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: track));

    /// <summary>Toggles the text at <paramref name="at"/> of file <paramref name="file"/> and runs the long-lived driver again.</summary>
    private GeneratorDriver Edit(int file, int at, string a, string b)
    {
        var old = _compilation.SyntaxTrees.ElementAt(file);
        _compilation = _compilation.ReplaceSyntaxTree(old, SyntheticProject.Toggle(old, at, a, b));
        return _driver = _driver.RunGenerators(_compilation);
    }

    /// <summary>Fails the run unless the generator does what each benchmark claims to measure; prints what each edit re-ran.</summary>
    private void Verify()
    {
        var compilation = _project.Compilation();
        var driver = Driver(track: true).RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        var generated = driver.GetRunResult().GeneratedTrees.Length;
        var errors = diagnostics.Concat(output.GetDiagnostics()).Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (generated != Methods || errors.Count > 0)
        {
            throw new InvalidOperationException($"{Methods} methods: {generated} backward files generated, errors: {string.Join("; ", errors.Take(5))}.");
        }

        foreach (var (name, file, at, a, b, regenerates) in new[]
        {
            ("edit inside one method's body", 0, _bodyAt, SyntheticProject.BodyEditFrom, SyntheticProject.BodyEditTo, true),
            ("edit of a plain method", 0, _plainAt, SyntheticProject.PlainEditFrom, SyntheticProject.PlainEditTo, false),
            ("edit of Util.cs", compilation.SyntaxTrees.Count() - 1, _utilAt, SyntheticProject.PlainEditFrom, SyntheticProject.PlainEditTo, false),
        })
        {
            var old = compilation.SyntaxTrees.ElementAt(file);
            compilation = compilation.ReplaceSyntaxTree(old, SyntheticProject.Toggle(old, at, a, b));
            driver = driver.RunGenerators(compilation);
            var steps = driver.GetRunResult().Results.Single().TrackedSteps;
            int lowered = Ran(steps, TrackingNames.Lowered), emitted = Changed(steps, TrackingNames.Emitted);
            Console.WriteLine($"// {Methods} methods, {name}: {lowered} transform(s) re-ran (Roslyn re-runs them all; the bodies come from GradGen's cache unless their text changed), {emitted} backward(s) emitted anew.");
            if (regenerates ? emitted != 1 : emitted != 0)
            {
                throw new InvalidOperationException($"{Methods} methods, {name}: {emitted} backward(s) emitted anew, expected {(regenerates ? 1 : 0)}.");
            }
        }
    }

    private static int Ran(System.Collections.Immutable.ImmutableDictionary<string, System.Collections.Immutable.ImmutableArray<IncrementalGeneratorRunStep>> steps, string name) =>
        steps.TryGetValue(name, out var runs) ? runs.SelectMany(r => r.Outputs).Count(o => o.Reason != IncrementalStepRunReason.Cached) : 0;

    private static int Changed(System.Collections.Immutable.ImmutableDictionary<string, System.Collections.Immutable.ImmutableArray<IncrementalGeneratorRunStep>> steps, string name) =>
        steps.TryGetValue(name, out var runs) ? runs.SelectMany(r => r.Outputs).Count(o => o.Reason is IncrementalStepRunReason.New or IncrementalStepRunReason.Modified) : 0;
}
