using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using GradGen.Tests.Generator;
using Microsoft.CodeAnalysis;

namespace GradGen.Tests.Diagnostics;

/// <summary>
/// Every supported construct gets no diagnostic: all rule-table cases of <see cref="RuleGradientTests"/>, the supported
/// shapes of <see cref="Corpus.SupportedShapes"/> and the samples, in one compilation (fast, and no case can hide behind another's error).
/// </summary>
public class NoDiagnosticTests
{
    [Fact]
    public Task Supported_constructs_get_no_diagnostic()
    {
        var test = new Verify.AnalyzerTest();
        var rules = Corpus.RuleCases.ToList();
        foreach (var (_, source) in rules) test.TestState.Sources.Add(Verify.WithUsings(source));
        test.TestState.Sources.Add(Verify.WithUsings(Corpus.SupportedShapes));
        foreach (var (_, source) in Corpus.Samples) test.TestState.Sources.Add(source);

        // The one rule case whose second parameter is deliberately unused: the info hint, and nothing else.
        var index = rules.FindIndex(r => r.Name == "ScalarReturnsParameter");
        Assert.True(index >= 0, "RuleGradientTests.Cases no longer has ScalarReturnsParameter: update this test");
        test.ExpectedDiagnostics.Add(Verify.Diagnostic("GG0010").WithSpan(SpanOf("/0/Test" + index + ".cs", Verify.WithUsings(rules[index].Source), "double b", "double ".Length, 1)));
        return test.RunAsync(CancellationToken.None);
    }

    [Fact]
    public void Samples_are_in_the_corpus() => Assert.True(Corpus.Samples.Count() >= 2, "expected the Seed and Mlp samples' [Differentiable] sources");

    /// <summary>The (line, column) span, 1-based, of <paramref name="length"/> characters at <paramref name="offset"/> into the first <paramref name="needle"/>.</summary>
    private static FileLinePositionSpan SpanOf(string path, string text, string needle, int offset, int length)
    {
        var start = text.IndexOf(needle, StringComparison.Ordinal) + offset;
        var line = text.Take(start).Count(c => c == '\n');
        var column = start - (text.LastIndexOf('\n', start - 1) + 1);
        return new FileLinePositionSpan(path, new Microsoft.CodeAnalysis.Text.LinePosition(line, column), new Microsoft.CodeAnalysis.Text.LinePosition(line, column + length));
    }
}
