using System;
using System.Collections.Generic;
using System.Linq;
using Xunit.Abstractions;

namespace GradGen.Tests.Robustness;

/// <summary>
/// Broken and adversarial sources, in the style of the runtime's generator <c>SourceErrors</c> tests: hand-written odd
/// constructs, fixed-seed token mutants of every sample and rule-table case and of the hand-written sources, and
/// half-typed files. Each category is one batch (one compilation, one generator run, one analyzer run), checked once
/// and asserted from several sides. Counts go to the test output.
/// </summary>
public sealed class SourceErrorTests
{
    public const int MutantsPerSample = 100;
    public const int MutantsPerRuleCase = 4;
    public const int MutantsPerConstruct = 2;
    public const int TruncationStep = 11;

    private readonly ITestOutputHelper _output;

    public SourceErrorTests(ITestOutputHelper output) => _output = output;

    /// <summary>The categories of the suite and how to build their sources.</summary>
    private static readonly Dictionary<string, Func<IReadOnlyList<RobustSource>>> Categories = new()
    {
        ["Constructs"] = () => Corpus.ConstructSources,
        ["SampleMutants"] = SampleMutants,
        ["RuleCaseMutants"] = RuleCaseMutants,
        ["ConstructMutants"] = ConstructMutants,
        ["Truncations"] = Truncations,
    };

    private static readonly Dictionary<string, Lazy<(IReadOnlyList<RobustSource> Sources, RobustnessCheck.Report Report)>> Results =
        Categories.ToDictionary(c => c.Key, c => new Lazy<(IReadOnlyList<RobustSource>, RobustnessCheck.Report)>(() =>
        {
            var sources = c.Value();
            // Hand-written sources are meant to compile where they can: there the generated code is compiled and checked too.
            // The mutants are analysed without the generated files: compiling hundreds of tensor backwards would double the suite's time.
            var options = new RobustnessCheck.Options(CheckGeneratedCode: c.Key is "Constructs" or "Truncations", AnalyzeGeneratorOutput: c.Key is "Constructs" or "Truncations");
            var (report, _) = Isolated.Run(c.Key, token => RobustnessCheck.Check(sources, token, options));
            return (sources, report);
        }));

    public static IEnumerable<object[]> CategoryNames => Categories.Keys.Select(k => new object[] { k });

    private RobustnessCheck.Report Checked(string category)
    {
        var (_, report) = Results[category].Value;
        _output.WriteLine(category + ": " + report.Counts);
        return report;
    }

    [Theory]
    [MemberData(nameof(CategoryNames))]
    public void Neither_generator_nor_analyzer_crashes(string category)
    {
        var report = Checked(category);
        Assert.True(report.Crashes.Count == 0,
            $"{category}: {report.Crashes.Count} crashes (exceptions, AD0001, CS8784/CS8785); the sources that crash on their own:\n\n" +
            string.Join("\n", report.CrashRepros));
    }

    [Theory]
    [MemberData(nameof(CategoryNames))]
    public void A_marked_method_without_a_backward_always_gets_an_error(string category)
    {
        var report = Checked(category);
        Assert.True(report.Silent.Count == 0,
            $"{category}: {report.Silent.Count} [Differentiable] targets got neither a backward nor an error:\n\n" + string.Join("\n\n", report.Silent.Take(8)));
    }

    [Theory]
    [MemberData(nameof(CategoryNames))]
    public void No_error_is_reported_for_a_method_that_got_a_backward(string category)
    {
        var report = Checked(category);
        Assert.True(report.Disagreements.Count == 0,
            $"{category}: {report.Disagreements.Count} methods got a backward and a GG error (the generator and the analyzer disagree):\n\n" + string.Join("\n\n", report.Disagreements.Take(8)));
    }

    /// <summary>
    /// Generated files add no error, also for sources with errors of their own. For the hand-written sources and the
    /// truncations (half-typed files: declaration errors of every kind); compiling every backward of the mutants would
    /// double the suite's time.
    /// </summary>
    [Theory]
    [InlineData("Constructs")]
    [InlineData("Truncations")]
    public void Generated_code_adds_no_error(string category)
    {
        var report = Checked(category);
        Assert.True(report.GeneratedChecked > 0, "no generated code was checked");
        Assert.True(report.GeneratedErrors.Count == 0,
            $"{category}: {report.GeneratedErrors.Count} generated files have errors:\n\n" + string.Join("\n\n", report.GeneratedErrors.Take(5)));
    }

    /// <summary>Not a check: lists what became of every hand-written target, the table behind the report.</summary>
    [Fact]
    public void Outcomes_of_the_hand_written_sources()
    {
        var report = Checked("Constructs");
        foreach (var outcome in report.Outcomes) _output.WriteLine(outcome);
    }

    [Fact]
    public void The_suite_checks_at_least_1000_sources()
    {
        var counts = Categories.Keys.ToDictionary(k => k, k => Results[k].Value.Sources.Count);
        foreach (var (category, count) in counts) _output.WriteLine($"{category}: {count} sources");
        _output.WriteLine($"total: {counts.Values.Sum()} sources (plus the cancellation and scale cases)");
        Assert.True(counts.Values.Sum() >= 1000, "only " + counts.Values.Sum() + " sources");
    }

    // ── the categories ──

    private static IReadOnlyList<RobustSource> SampleMutants() =>
        Corpus.Samples.SelectMany(sample => Enumerable.Range(0, MutantsPerSample).Select(k =>
        {
            var random = new Random(Corpus.Seed + k * 31 + sample.Name.Length);
            var prefix = "Rm" + sample.Name + k;
            var text = Mutator.Mutate(RobustSource.Namespaced(sample.Text, prefix), random, random.Next(1, 5));
            return new RobustSource("SampleMutants", sample.Name + "." + k, text) { Prefix = prefix };
        })).ToList();

    private static IReadOnlyList<RobustSource> RuleCaseMutants() =>
        Corpus.RuleCases.SelectMany((rule, i) => Enumerable.Range(0, MutantsPerRuleCase).Select(k =>
        {
            var random = new Random(Corpus.Seed + i * 1000 + k);
            var prefix = "Rr" + i + "_" + k;
            var text = Mutator.Mutate(RobustSource.Namespaced(rule.Text, prefix), random, random.Next(1, 4));
            return new RobustSource("RuleCaseMutants", rule.Name + "." + k, text) { Prefix = prefix };
        })).ToList();

    private static IReadOnlyList<RobustSource> ConstructMutants() =>
        Corpus.Constructs().Where(c => !c.Alone).SelectMany((construct, i) => Enumerable.Range(0, MutantsPerConstruct).Select(k =>
        {
            var random = new Random(Corpus.Seed + 7 * i + k);
            var prefix = "Rx" + i + "_" + k;
            var files = construct.Files.Select(f => Mutator.Mutate(RobustSource.Namespaced(f, prefix), random, random.Next(1, 4))).ToArray();
            return new RobustSource("ConstructMutants", construct.Category + "." + construct.Name + "." + k, files) { Prefix = prefix };
        })).ToList();

    /// <summary>
    /// Every 11th prefix of each sample up to the end of its last [Differentiable] method (later prefixes add nothing but
    /// other half-typed methods), as typed (the file ends mid-token) and with the type closed after it (a half-typed method).
    /// </summary>
    private static IReadOnlyList<RobustSource> Truncations() =>
        Corpus.Samples.SelectMany(sample => Mutator.Truncations(sample.Text.Substring(0, EndOfLastDifferentiable(sample.Text)), TruncationStep).SelectMany(prefix => new[]
        {
            RobustSource.InNamespace("Truncations", sample.Name + ".open." + prefix.Length, "Ro" + sample.Name + prefix.Length, prefix),
            RobustSource.InNamespace("Truncations", sample.Name + ".closed." + prefix.Length, "Rc" + sample.Name + prefix.Length, prefix + "\n    }\n}\n"),
        })).ToList();

    private static int EndOfLastDifferentiable(string text)
    {
        var root = Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(text).GetRoot();
        var last = root.DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax>()
            .Where(m => m.AttributeLists.SelectMany(l => l.Attributes).Any(a => a.Name.ToString().Contains("Differentiable", StringComparison.Ordinal)))
            .Select(m => m.Span.End).DefaultIfEmpty(text.Length).Max();
        return Math.Min(text.Length, last + 1);
    }
}
