using System;
using System.Collections.Immutable;
using System.Linq;
using System.Threading.Tasks;
using GradGen.Generators.Diagnostics;
using GradGen.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace GradGen.Tests.Diagnostics;

/// <summary>
/// Every refusal names a way out that works (issue 17 §2): for each message, a source it refuses, the words of the way out
/// the message must contain, and the source with that way out taken, which must get no GG diagnostic at all — advice
/// that leads to another error fails here.
/// </summary>
public class WayOutTests
{
    public sealed record Case(string Name, string Refused, string Id, string WayOut, string Fixed)
    {
        public override string ToString() => Name;
    }

    public static readonly Case[] Cases =
    [
        new("struct of weights as the parameter",
            "public struct Layer { public Layer(Tensor<double> w) { W = w; } public Tensor<double> W { get; } }\n" +
            "public static partial class C { [Differentiable] public static double F(Layer layer, [NoGradient] Tensor<double> x) => Ops.Sum(Ops.MatMul(x, layer.W)); }",
            "GG0007", "make 'Layer' a class or record",
            "public sealed class Layer { public Layer(Tensor<double> w) { W = w; } public Tensor<double> W { get; } }\n" +
            "public static partial class C { [Differentiable] public static double F(Layer layer, [NoGradient] Tensor<double> x) => Ops.Sum(Ops.MatMul(x, layer.W)); }"),
        new("member of a struct of weights",
            "public struct Layer { public Layer(Tensor<double> w) { W = w; } public Tensor<double> W { get; } }\n" +
            "public static partial class C { [Differentiable] public static double F(Layer layer, Tensor<double> x) => Ops.Sum(Ops.MatMul(x, layer.W)); }",
            "GG0003", "make 'Layer' a class or record",
            "public record Layer(Tensor<double> W);\n" +
            "public static partial class C { [Differentiable] public static double F(Layer layer, Tensor<double> x) => Ops.Sum(Ops.MatMul(x, layer.W)); }"),
        new("tensor indexing",
            "public static partial class C { [Differentiable] public static double F(Tensor<double> x) => x[0, 1] * 2.0; }",
            "GG0003", "Ops.Slice(x, axis, start, length)",
            "public static partial class C { [Differentiable] public static double F(Tensor<double> x) => Ops.Sum(Ops.Slice(Ops.Slice(x, 0, 0, 1), 1, 1, 1)) * 2.0; }"),
        new("BCL Tensor.Add",
            "public static partial class C { [Differentiable] public static double F(Tensor<double> x, Tensor<double> y) => Ops.Sum(Tensor.Add<double>(x, y)); }",
            "GG0004", "use Ops.Add",
            "public static partial class C { [Differentiable] public static double F(Tensor<double> x, Tensor<double> y) => Ops.Sum(Ops.Add(x, y)); }"),
        new("local function",
            "public static partial class C { [Differentiable] public static double F(double x) { double Square(double v) => v * v; return Square(x) + x; } }",
            "GG0004", "make it a private static method of the type and mark that [Differentiable]",
            "public static partial class C { [Differentiable] private static double Square(double v) => v * v; [Differentiable] public static double F(double x) { return Square(x) + x; } }"),
        new("in-place += on a tensor the caller owns",
            "public static partial class C { [Differentiable] public static double F(Tensor<double> x, Tensor<double> y) { x += y; return Ops.Sum(x * x); } }",
            "GG0006", "write 'x = x + y'",
            "public static partial class C { [Differentiable] public static double F(Tensor<double> x, Tensor<double> y) { x = x + y; return Ops.Sum(x * x); } }"),
        new("break nested in an if",
            "public static partial class C { [Differentiable] public static double F(double x) { var y = x; for (int i = 0; i < 5; i++) { if (i > 0) { if (y > 3) break; } y = y * x; } return y; } }",
            "GG0003", "'if (condition) break;'",
            "public static partial class C { [Differentiable] public static double F(double x) { var y = x; for (int i = 0; i < 5; i++) { if (i > 0 && y > 3) break; y = y * x; } return y; } }"),
        new("return inside a loop",
            "public static partial class C { [Differentiable] public static double F(double x) { var y = x; for (int i = 0; i < 5; i++) { y = y * x; if (i == 2) return y; } return y; } }",
            "GG0003", "assign the value to a local declared before the loop, 'break', and return after the loop",
            "public static partial class C { [Differentiable] public static double F(double x) { var y = x; for (int i = 0; i < 5; i++) { y = y * x; if (i == 2) break; } return y; } }"),
        new("form of loop",
            "public static partial class C { [Differentiable] public static double F(double x) { var y = x; for (int i = 0; i < 6; i += 2) y = y * x; return y; } }",
            "GG0003", "'while (condition)'",
            "public static partial class C { [Differentiable] public static double F(double x) { var y = x; var i = 0; while (i < 6) { y = y * x; i += 2; } return y; } }"),
        new("an element of an array of tensors written in a nested loop",
            "public static partial class C { [Differentiable] public static double F(Tensor<double> x, int n) { var heads = new Tensor<double>[n]; for (int i = 0; i < n; i++) { for (int j = 0; j < n; j++) heads[i] = x * (double)j; } return Ops.Sum(Ops.Concat(0, heads)); } }",
            "GG0006", "'for (int h = 0; h < n; h++) heads[h] = …;'",
            "public static partial class C { [Differentiable] public static double F(Tensor<double> x, int n) { var heads = new Tensor<double>[n]; for (int h = 0; h < n; h++) heads[h] = x * (double)h; return Ops.Sum(Ops.Concat(0, heads)); } }"),
        new("a plain helper given a differentiated value",
            "public static class Helpers { public static double Square(double v) => v * v; }\n" +
            "public static partial class C { [Differentiable] public static double F(double x) => Helpers.Square(x); }",
            "GG0004", "mark it [Differentiable]",
            "public static partial class Helpers { [Differentiable] public static double Square(double v) => v * v; }\n" +
            "public static partial class C { [Differentiable] public static double F(double x) => Helpers.Square(x); }"),
    ];

    public static TheoryData<Case> CaseData()
    {
        var data = new TheoryData<Case>();
        foreach (var c in Cases) data.Add(c);
        return data;
    }

    [Theory]
    [MemberData(nameof(CaseData))]
    public async Task The_message_names_a_way_out_and_the_way_out_compiles_without_a_GG_error(Case c)
    {
        var refused = await Diagnostics(c.Refused);
        Assert.True(refused.Any(d => d.Id == c.Id), c.Name + ": expected " + c.Id + ", got: " + string.Join("; ", refused));
        Assert.True(refused.Any(d => d.Id == c.Id && d.GetMessage().Contains(c.WayOut, StringComparison.Ordinal)),
            c.Name + ": no " + c.Id + " names the way out \"" + c.WayOut + "\": " + string.Join("; ", refused.Select(d => d.GetMessage())));
        var taken = await Diagnostics(c.Fixed);
        Assert.True(taken.Count == 0, c.Name + ": the way out still gets " + string.Join("; ", taken));
    }

    /// <summary>Every help link is the one base the build sets (Directory.Build.props' GradGenHelpLinkBase) plus the page name.</summary>
    [Fact]
    public void Help_links_use_the_one_base_the_build_sets()
    {
        var directory = new System.IO.DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !System.IO.File.Exists(System.IO.Path.Combine(directory.FullName, "Directory.Build.props"))) directory = directory.Parent;
        Assert.NotNull(directory);
        var props = System.Xml.Linq.XDocument.Load(System.IO.Path.Combine(directory!.FullName, "Directory.Build.props"));
        var configured = props.Descendants("GradGenHelpLinkBase").Single().Value;
        foreach (var descriptor in new DifferentiableAnalyzer().SupportedDiagnostics)
        {
            Assert.Equal(configured + descriptor.Id + ".md", descriptor.HelpLinkUri);
            Assert.True(System.IO.File.Exists(System.IO.Path.Combine(directory.FullName, "docs", "diagnostics", descriptor.Id + ".md")), descriptor.Id + ": no page");
        }
    }

    private static async Task<System.Collections.Generic.List<Diagnostic>> Diagnostics(string source)
    {
        var compilation = Harness.Compilation(Harness.Usings + source);
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, "the source does not compile: " + string.Join("; ", errors) + "\n" + source);
        var diagnostics = await compilation.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new DifferentiableAnalyzer())).GetAnalyzerDiagnosticsAsync();
        return diagnostics.Where(d => d.Id.StartsWith("GG", StringComparison.Ordinal) && d.Severity >= DiagnosticSeverity.Warning).ToList();
    }
}
