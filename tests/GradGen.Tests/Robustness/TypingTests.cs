using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit.Abstractions;

namespace GradGen.Tests.Robustness;

/// <summary>
/// What the IDE does: one generator driver kept across edits, fed each keystroke's compilation. Every sample is typed
/// from nothing to the end (and then a few of its token mutants are pasted over it); no step may crash the generator,
/// and the last step's files must be exactly what a fresh driver generates for the final text (no stale cached state).
/// </summary>
public sealed class TypingTests
{
    public const int Keystroke = 13;

    private readonly ITestOutputHelper _output;

    public TypingTests(ITestOutputHelper output) => _output = output;

    public static TheoryData<string> SampleNames => new(Corpus.Samples.Select(s => s.Name));

    [Theory]
    [MemberData(nameof(SampleNames))]
    public void Typing_a_sample_never_crashes_the_incremental_generator_and_ends_where_a_fresh_run_does(string name)
    {
        var text = RobustSource.Namespaced(Corpus.Samples.Single(s => s.Name == name).Text, "Rtyping");
        var random = new Random(Corpus.Seed);
        var steps = Mutator.Truncations(text, Keystroke).Append(text)
            .Concat(Enumerable.Range(0, 20).Select(_ => Mutator.Mutate(text, random, random.Next(1, 4))))
            .Append(text).ToList();

        var (finalFiles, _) = Isolated.Run("typing " + name, token =>
        {
            var compilation = RobustnessCheck.Compilation(new[] { new RobustSource("Typing", name, "") }, token);
            var driver = RobustnessCheck.Driver();
            var problems = new List<string>();
            for (var i = 0; i < steps.Count; i++)
            {
                var old = compilation.SyntaxTrees.Single();
                compilation = compilation.ReplaceSyntaxTree(old, RobustnessCheck.Parse(steps[i], old.FilePath, token));
                driver = driver.RunGenerators(compilation, token);
                var run = driver.GetRunResult();
                problems.AddRange(run.Results.Where(r => r.Exception is not null).Select(r => $"step {i}: {r.Exception}\n--- text ---\n{steps[i]}"));
                problems.AddRange(run.Diagnostics.Where(d => d.Id is "CS8784" or "CS8785").Select(d => $"step {i}: {d}"));
            }
            Assert.True(problems.Count == 0, string.Join("\n\n", problems.Take(3)));
            return Files(driver.GetRunResult());
        });

        var fresh = Files(RobustnessCheck.Driver().RunGenerators(RobustnessCheck.Compilation(new[] { new RobustSource("Typing", name, text) })).GetRunResult());
        _output.WriteLine($"{name}: {steps.Count} edits through one driver; {finalFiles.Count} files at the end, {fresh.Count} from a fresh driver");
        Assert.Equal(fresh.Keys.OrderBy(k => k, StringComparer.Ordinal), finalFiles.Keys.OrderBy(k => k, StringComparer.Ordinal));
        foreach (var (hint, source) in fresh) Assert.True(finalFiles[hint] == source, hint + ": the incremental driver ends with other text than a fresh one");
    }

    private static Dictionary<string, string> Files(GeneratorDriverRunResult run) =>
        run.Results.SelectMany(r => r.GeneratedSources).ToDictionary(s => s.HintName, s => s.SourceText.ToString());
}
