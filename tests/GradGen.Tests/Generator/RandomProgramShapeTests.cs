using System;
using System.Linq;
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

    /// <summary>The program with every tensor parameter and weight member annotated (some programs declare shapes already).</summary>
    private static string Annotated(RandomProgram program) => RandomProgram.Annotate(program.Source, program.Shapes);

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
        var annotatedCount = programs.Count(p => Annotated(p).Contains("[Shape(", StringComparison.Ordinal));
        var withShapes = generated.Count(g => g.Key.StartsWith("P", StringComparison.Ordinal) && g.Value.Contains("] → [", StringComparison.Ordinal));
        _output.WriteLine($"{annotatedCount} of {programs.Length} programs annotated; {withShapes} generated files carry inferred shapes in their rule comments");
        Assert.True(annotatedCount >= programs.Length / 3 && withShapes >= annotatedCount / 2, $"annotated {annotatedCount}, with inferred shapes {withShapes}");
    }
}
