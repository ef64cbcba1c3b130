using System;
using System.IO;
using System.Linq;
using System.Threading;
using GradGen.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Xunit.Abstractions;

namespace GradGen.Tests.Robustness;

/// <summary>
/// [Differentiable] methods of another project, called from this one: through a compilation reference (what the IDE
/// uses between the projects of a solution: the callee is a source symbol whose syntax lives in the other compilation)
/// and through a compiled assembly (what a build uses). Same contract: no crash, a backward or an error for each.
/// </summary>
public sealed class ReferenceTests
{
    private readonly ITestOutputHelper _output;

    public ReferenceTests(ITestOutputHelper output) => _output = output;

    private const string Library = Harness.Usings + """
        namespace Lib;

        public static partial class L
        {
            [Differentiable] public static double Square(double x) => x * x;
            [Differentiable] public static double Rounded(double x) => Math.Round(x);
            [Differentiable] public static Tensor<double> Layer(Tensor<double> x, Tensor<double> w) => Ops.Relu(Ops.MatMul(x, w));
            public static double Plain(double x) => x;
        }
        """;

    private const string Consumer = Harness.Usings + """
        namespace App;

        public static partial class C
        {
            [Differentiable] public static double CallsSquare(double x) => Lib.L.Square(x) * x;
            [Differentiable] public static double CallsRounded(double x) => Lib.L.Rounded(x) + x;
            [Differentiable] public static double CallsPlain(double x) => Lib.L.Plain(x) + x;
            [Differentiable] public static double CallsLayer(Tensor<double> x, Tensor<double> w) => Ops.Sum(Lib.L.Layer(x, w));
        }
        """;

    /// <summary>The library as its own compilation, with the code the generator adds to it.</summary>
    private static readonly Lazy<Compilation> LibraryCompilation = new(() =>
    {
        var library = RobustnessCheck.Compilation(new[] { new RobustSource("References", "Library", Library) });
        RobustnessCheck.Driver().RunGeneratorsAndUpdateCompilation(library, out var output, out _);
        return output;
    });

    [Fact]
    public void A_call_into_another_assembly_chains_through_its_generated_backward()
    {
        using var image = new MemoryStream();
        var emitted = LibraryCompilation.Value.Emit(image);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        var consumer = Harness.Compilation(Harness.Usings + """
            namespace App;

            public static partial class Uses
            {
                [Differentiable] public static double Cube(double x) => Lib.L.Square(x) * x;
                [Differentiable] public static double Net(Tensor<double> x, Tensor<double> w) => Ops.Sum(Lib.L.Layer(x, w) * 2.0);
            }
            """).AddReferences(MetadataReference.CreateFromImage(image.ToArray()));
        var result = Harness.Run(consumer);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Contains(result.Generated, g => g.HintName == "App.Uses.Cube.g.cs" && g.Source.Contains("global::Lib.L.SquarePullback(", StringComparison.Ordinal));

        var context = GradGen.Tests.Infrastructure.LoadContexts.New("CrossAssembly" + Guid.NewGuid().ToString("N"));
        image.Position = 0;
        var library = context.LoadFromStream(image);
        context.Resolving += (_, name) => name.Name == library.GetName().Name ? library : null;
        using var consumerImage = new MemoryStream();
        var consumerEmit = result.Output.Emit(consumerImage);
        Assert.True(consumerEmit.Success, string.Join("\n", consumerEmit.Diagnostics));
        consumerImage.Position = 0;
        var uses = context.LoadFromStream(consumerImage).GetType("App.Uses")!;

        // d(x²·x)/dx = 3x², through the library's SquarePullback.
        var tuple = (System.Runtime.CompilerServices.ITuple)uses.GetMethods().Single(m => m.Name == "CubeBackward" && m.ReturnType.IsAssignableTo(typeof(System.Runtime.CompilerServices.ITuple))).Invoke(null, [1.5, 1d])!;
        Assert.Equal(3.375, (double)tuple[0]!, 12);
        Assert.Equal(3 * 1.5 * 1.5, (double)tuple[1]!, 12);
        GradientChecker.CheckAll(uses, "Net", [[2, 3], [3, 3]], positive: false, seed: 11);
    }

    public static TheoryData<string> Kinds => new() { "compilation reference", "assembly reference" };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Calls_into_another_projects_differentiable_methods_never_crash(string kind)
    {
        MetadataReference reference;
        if (kind == "compilation reference")
        {
            reference = LibraryCompilation.Value.ToMetadataReference();
        }
        else
        {
            using var image = new MemoryStream();
            var emitted = LibraryCompilation.Value.Emit(image);
            Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
            reference = MetadataReference.CreateFromImage(image.ToArray());
        }
        var source = new RobustSource("References", RobustSource.Sanitize(kind), Consumer) { Alone = true, ExtraReferences = new[] { reference } };
        var (report, _) = Isolated.Run(kind, token => RobustnessCheck.Check(new[] { source }, token));
        _output.WriteLine(kind + ": " + report.Counts);
        foreach (var outcome in report.Outcomes) _output.WriteLine("  " + outcome);
        Assert.True(report.Crashes.Count == 0, string.Join("\n", report.Crashes.Concat(report.CrashRepros)));
        Assert.True(report.Silent.Count == 0, string.Join("\n\n", report.Silent));
        Assert.Equal(4, report.Marked);
    }
}
