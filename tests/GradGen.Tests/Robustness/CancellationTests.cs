using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using GradGen.Generators.Lowering;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit.Abstractions;

namespace GradGen.Tests.Robustness;

/// <summary>
/// Cancellation, in the style of the runtime generators' <c>Cancellation</c> tests: an already-cancelled token makes the
/// generator driver and the analyzer throw <see cref="OperationCanceledException"/> and nothing else; a token cancelled
/// part-way through stops them (or they finish), never turning into CS8785 or AD0001; and a slow input is given up
/// promptly after cancellation.
/// </summary>
public sealed class CancellationTests
{
    private readonly ITestOutputHelper _output;

    public CancellationTests(ITestOutputHelper output) => _output = output;

    /// <summary>The hand-written sources, the samples and the rule cases: every kind of [Differentiable] method, one compilation.</summary>
    private static readonly Lazy<(IReadOnlyList<RobustSource> Sources, CSharpCompilation Compilation)> Batch = new(() =>
    {
        var sources = Corpus.ConstructSources.Where(s => !s.Alone)
            .Concat(Corpus.Samples.Select((s, i) => RobustSource.InNamespace("Cancellation", s.Name, "Rk" + i, s.Text)))
            .Concat(Corpus.RuleCases.Select((r, i) => RobustSource.InNamespace("Cancellation", r.Name, "Rq" + i, r.Text)))
            .ToList();
        return (sources, RobustnessCheck.Compilation(sources));
    });

    /// <summary>
    /// A Lowerer-bound input: each method calls the next twice (an unmemoised walk visits 2^22 calls), and 1,000 methods of
    /// 20 statements each, so that running to the end takes seconds even on a fast machine (uncancelled, the generator
    /// takes about 10 s on the 2-core machine, EPYC).
    /// </summary>
    private static readonly string SlowSource = Infrastructure.Harness.Usings + "namespace Slow;\npublic static partial class C\n{\n" +
        string.Concat(Enumerable.Range(0, 22).Select(i => i == 21
            ? $"    [Differentiable] public static double F{i}(double x) => x * x;\n"
            : $"    [Differentiable] public static double F{i}(double x) => F{i + 1}(x) + F{i + 1}(x) * x;\n")) +
        string.Concat(Enumerable.Range(0, 1_000).Select(i => $"    [Differentiable] public static double G{i}(double x, double y)\n    {{\n        var a0 = x * y;\n" +
            string.Concat(Enumerable.Range(0, 20).Select(k => $"        var a{k + 1} = Math.Sin(a{k}) * x + y * {k};\n")) + "        return a20;\n    }\n")) + "}\n";

    private static CancellationToken Cancelled => new(canceled: true);

    [Fact]
    public void Generator_with_an_already_cancelled_token_throws_OperationCanceledException()
    {
        var (sources, compilation) = Batch.Value;
        _output.WriteLine($"{sources.Count} sources in one compilation");
        Assert.ThrowsAny<OperationCanceledException>(() => RobustnessCheck.Driver().RunGenerators(compilation, Cancelled));
        Assert.ThrowsAny<OperationCanceledException>(() => RobustnessCheck.Driver().RunGeneratorsAndUpdateCompilation(compilation, out _, out _, Cancelled));
    }

    [Fact]
    public async Task Analyzer_with_an_already_cancelled_token_throws_OperationCanceledException()
    {
        var (sources, compilation) = Batch.Value;
        _output.WriteLine($"{sources.Count} sources in one compilation");
        var exceptions = new List<string>();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            RobustnessCheck.WithAnalyzer(compilation, exceptions, concurrent: true).GetAnalyzerDiagnosticsAsync(Cancelled));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            RobustnessCheck.WithAnalyzer(compilation, exceptions, concurrent: false).GetAllDiagnosticsAsync(Cancelled));
        Assert.True(exceptions.Count == 0, string.Join("\n", exceptions));
    }

    /// <summary>The shared front end on its own: it either notices the token or finishes; it never fails in another way.</summary>
    [Fact]
    public void Lowerer_with_an_already_cancelled_token_throws_OperationCanceledException_or_finishes()
    {
        var (_, compilation) = Batch.Value;
        int cancelled = 0, finished = 0;
        var other = new List<string>();
        foreach (var method in MarkedMethods(compilation))
        {
            try
            {
                Lowerer.Lower(method, compilation, Cancelled);
                finished++;
            }
            catch (OperationCanceledException)
            {
                cancelled++;
            }
            catch (Exception e)
            {
                other.Add(method.ToDisplayString() + ": " + e);
            }
        }
        _output.WriteLine($"{cancelled + finished + other.Count} [Differentiable] methods: {cancelled} threw OperationCanceledException, {finished} finished without looking at the token");
        Assert.True(other.Count == 0, string.Join("\n", other.Take(5)));
        Assert.True(cancelled > 0, "no method noticed the cancelled token");
    }

    public static IEnumerable<object[]> Delays => new[] { 0, 1, 2, 5, 10, 20, 50, 100, 200, 500 }.Select(d => new object[] { d });

    [Theory]
    [MemberData(nameof(Delays))]
    public void Cancelled_part_way_the_generator_stops_with_OperationCanceledException_or_finishes(int milliseconds)
    {
        var (_, compilation) = Batch.Value;
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(milliseconds));
        try
        {
            var driver = RobustnessCheck.Driver().RunGeneratorsAndUpdateCompilation(compilation, out _, out var diagnostics, cancellation.Token);
            var run = driver.GetRunResult();
            Assert.True(run.Results.All(r => r.Exception is null), string.Join("\n", run.Results.Select(r => r.Exception)));
            Assert.DoesNotContain(diagnostics, d => d.Id is "CS8784" or "CS8785");
            _output.WriteLine($"cancelled after {milliseconds} ms: finished first ({run.GeneratedTrees.Length} files)");
        }
        catch (OperationCanceledException)
        {
            _output.WriteLine($"cancelled after {milliseconds} ms: OperationCanceledException");
        }
    }

    [Theory]
    [MemberData(nameof(Delays))]
    public async Task Cancelled_part_way_the_analyzer_stops_with_OperationCanceledException_or_finishes(int milliseconds)
    {
        var (_, compilation) = Batch.Value;
        var exceptions = new List<string>();
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(milliseconds));
        try
        {
            var diagnostics = await RobustnessCheck.WithAnalyzer(compilation, exceptions, concurrent: true).GetAnalyzerDiagnosticsAsync(cancellation.Token);
            Assert.DoesNotContain(diagnostics, d => d.Id == "AD0001");
            _output.WriteLine($"cancelled after {milliseconds} ms: finished first ({diagnostics.Length} diagnostics)");
        }
        catch (OperationCanceledException)
        {
            _output.WriteLine($"cancelled after {milliseconds} ms: OperationCanceledException");
        }
        Assert.True(exceptions.Count == 0, string.Join("\n", exceptions));
    }

    public static IEnumerable<object[]> ResumeDelays => new[] { 20, 150, 1000 }.Select(d => new object[] { d });

    /// <summary>The hand-written sources (calls, recursion, rejected callees: all the call graph knows) and what a fresh run makes of them.</summary>
    private static readonly Lazy<(IReadOnlyList<RobustSource> Sources, Dictionary<string, string> Files, List<string> Diagnostics)> Fresh = new(() =>
    {
        IReadOnlyList<RobustSource> sources = Corpus.ConstructSources.Where(s => !s.Alone).ToList();
        return (sources, GeneratedFiles(RobustnessCheck.Compilation(sources), CancellationToken.None),
            AnalyzerDiagnostics(RobustnessCheck.Compilation(sources), CancellationToken.None).GetAwaiter().GetResult());
    });

    /// <summary>
    /// Lower keeps what it learns about a compilation (its call graph) for later questions about the same compilation: a
    /// run cancelled part-way must leave nothing half-done behind. After it, a full run on the same compilation gives
    /// exactly the files and diagnostics that a run on a fresh compilation gives.
    /// </summary>
    [Theory]
    [MemberData(nameof(ResumeDelays))]
    public async Task A_run_after_a_cancelled_one_gives_what_a_fresh_run_gives(int milliseconds)
    {
        var (sources, expectedFiles, expectedDiagnostics) = Fresh.Value;

        var compilation = RobustnessCheck.Compilation(sources);
        var outcomes = new List<string>();
        using (var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(milliseconds)))
        {
            try
            {
                GeneratedFiles(compilation, cancellation.Token);
                outcomes.Add("generator finished");
            }
            catch (OperationCanceledException)
            {
                outcomes.Add("generator cancelled");
            }
        }
        using (var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(milliseconds)))
        {
            try
            {
                await AnalyzerDiagnostics(compilation, cancellation.Token);
                outcomes.Add("analyzer finished");
            }
            catch (OperationCanceledException)
            {
                outcomes.Add("analyzer cancelled");
            }
        }
        _output.WriteLine($"cancelled after {milliseconds} ms: {string.Join(", ", outcomes)}; then full runs on the same compilation");

        var files = GeneratedFiles(compilation, CancellationToken.None);
        var diagnostics = await AnalyzerDiagnostics(compilation, CancellationToken.None);
        Assert.Equal(expectedFiles.Keys.OrderBy(k => k, StringComparer.Ordinal), files.Keys.OrderBy(k => k, StringComparer.Ordinal));
        foreach (var (hint, text) in expectedFiles) Assert.True(files[hint] == text, hint + " differs after a cancelled run");
        Assert.Equal(expectedDiagnostics, diagnostics);
    }

    private static Dictionary<string, string> GeneratedFiles(Compilation compilation, CancellationToken cancellationToken) =>
        RobustnessCheck.Driver().RunGenerators(compilation, cancellationToken).GetRunResult().Results
            .SelectMany(r => r.GeneratedSources).ToDictionary(s => s.HintName, s => s.SourceText.ToString());

    /// <summary>The analyzer's diagnostics as comparable text: id, file, position and message, sorted.</summary>
    private static async Task<List<string>> AnalyzerDiagnostics(Compilation compilation, CancellationToken cancellationToken)
    {
        var exceptions = new List<string>();
        var diagnostics = await RobustnessCheck.WithAnalyzer(compilation, exceptions, concurrent: true).GetAnalyzerDiagnosticsAsync(cancellationToken);
        Assert.True(exceptions.Count == 0, string.Join("\n", exceptions));
        return diagnostics.Select(RobustnessCheck.Show).OrderBy(d => d, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Cancellation is honoured: cancelled 0.3 s into an input that takes seconds, generator and analyzer stop with
    /// <see cref="OperationCanceledException"/> instead of running to the end. (How soon they stop is not asserted — on a
    /// loaded machine anything can take long; an ignored token makes the work finish, and that fails here.)
    /// </summary>
    [Fact]
    public void A_slow_input_is_given_up_after_cancellation()
    {
        var source = new RobustSource("Cancellation", "Slow", SlowSource) { Alone = true };
        var compilation = RobustnessCheck.Compilation(new[] { source });
        foreach (var (what, run) in new (string, Action<CancellationToken>)[]
        {
            ("generator", token => RobustnessCheck.Driver().RunGenerators(compilation, token)),
            ("analyzer", token => RobustnessCheck.AnalyzerDiagnostics(RobustnessCheck.WithAnalyzer(compilation, new List<string>(), concurrent: false), token)),
        })
        {
            var (stopped, elapsed) = Isolated.Run("slow " + what, token =>
            {
                using var soon = CancellationTokenSource.CreateLinkedTokenSource(token);
                soon.CancelAfter(TimeSpan.FromMilliseconds(300));
                try
                {
                    run(soon.Token);
                    return "finished";
                }
                catch (OperationCanceledException)
                {
                    return "OperationCanceledException";
                }
            });
            _output.WriteLine($"{what}: cancelled after 0.3 s, {stopped} after {elapsed.TotalSeconds:F1} s");
            Assert.Equal("OperationCanceledException", stopped);
        }
    }

    private static IEnumerable<IMethodSymbol> MarkedMethods(Compilation compilation)
    {
        var stack = new Stack<INamespaceOrTypeSymbol>();
        stack.Push(compilation.Assembly.GlobalNamespace);
        while (stack.Count > 0)
        {
            foreach (var member in stack.Pop().GetMembers())
            {
                if (member is INamespaceOrTypeSymbol container) stack.Push(container);
                else if (member is IMethodSymbol method && method.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == RobustnessCheck.DifferentiableAttribute)) yield return method;
            }
        }
    }
}
