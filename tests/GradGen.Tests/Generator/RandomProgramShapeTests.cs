using System;
using System.Linq;
using System.Text.RegularExpressions;
using GradGen.Tests.Infrastructure;
using Xunit.Abstractions;

namespace GradGen.Tests.Generator;

/// <summary>
/// No false shape errors: every random program (<see cref="RandomProgramTests"/>), with each tensor parameter and weight
/// member annotated with the shape it really has (<c>[Shape("2, 3")]</c>), still gets its backward — GG0012 would have
/// refused it — and the shapes are inferred through its ops (its rule comments show them).
/// </summary>
public sealed class RandomProgramShapeTests
{
    private readonly ITestOutputHelper _output;

    public RandomProgramShapeTests(ITestOutputHelper output) => _output = output;

    private static string Annotated(RandomProgram program)
    {
        var source = program.Source;
        var open = source.IndexOf(" F(", StringComparison.Ordinal) + 3;
        var close = source.IndexOf(')', open);
        var parameters = source.Substring(open, close - open).Split(", ");
        for (var i = 0; i < parameters.Length && i < program.Shapes.Length; i++)
        {
            if (program.Shapes[i] is { } shape && parameters[i].Contains("Tensor<double> ", StringComparison.Ordinal))
            {
                parameters[i] = "[Shape(\"" + string.Join(", ", shape) + "\")] " + parameters[i];
            }
        }
        source = source.Substring(0, open) + string.Join(", ", parameters) + source.Substring(close);
        // The weight objects' members, as their Make draws them.
        foreach (var (member, shape) in new[] { ("W", "3, 3"), ("B", "3"), ("U", "2, 3") })
        {
            source = Regex.Replace(source, @"public (readonly )?Tensor<double> " + member + @"\b", m => "[Shape(\"" + shape + "\")] " + m.Value);
        }
        return source;
    }

    [Fact]
    public void Annotating_every_random_program_with_its_true_shapes_refuses_none()
    {
        var programs = Enumerable.Range(0, RandomProgramTests.Count).Select(i => RandomProgram.Generate(i, RandomProgramTests.BaseSeed)).ToArray();
        var helpers = RandomProgram.Helpers.Keys.Select(RandomProgram.HelperSource);
        var plain = Harness.Run(helpers.Concat(programs.Select(p => p.Source)).ToArray()).Generated.Select(g => g.HintName).ToHashSet();
        var annotated = Harness.Run(helpers.Concat(programs.Select(Annotated)).ToArray());
        var generated = annotated.Generated.ToDictionary(g => g.HintName, g => g.Source);

        var refused = plain.Where(hint => !generated.ContainsKey(hint)).ToList();
        Assert.True(refused.Count == 0, "annotated with their true shapes, these lost their backward (a false GG0012):\n" + string.Join("\n", refused.Take(10)));
        var annotatedCount = programs.Count(p => Annotated(p) != p.Source);
        var withShapes = generated.Count(g => g.Key.StartsWith("P", StringComparison.Ordinal) && g.Value.Contains("] → [", StringComparison.Ordinal));
        _output.WriteLine($"{annotatedCount} of {programs.Length} programs annotated; {withShapes} generated files carry inferred shapes in their rule comments");
        Assert.True(annotatedCount >= programs.Length / 3 && withShapes >= annotatedCount / 2, $"annotated {annotatedCount}, with inferred shapes {withShapes}");
    }
}
