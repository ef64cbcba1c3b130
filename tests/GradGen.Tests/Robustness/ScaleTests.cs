using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text;
using System.Threading;
using GradGen.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Xunit.Abstractions;

namespace GradGen.Tests.Robustness;

/// <summary>
/// Huge and deep inputs: 100,000-node expressions, calls nested 5,000 deep, long chains and cycles of [Differentiable]
/// calls, a type with 2,000 [Differentiable] methods. Each runs in a child process (a stack overflow there is a red case,
/// not a dead test run), on its own thread with a 1 MiB stack (<see cref="Isolated"/>; 256 MiB where Roslyn's binder needs
/// it for the depth) under a 30-second limit, through the generator and the analyzer (Roslyn's binding, the generator and
/// the analyzer all on that thread), with the contract of <see cref="RobustnessCheck"/>: no crash, and a backward or an
/// error for every marked method.
/// </summary>
public sealed class ScaleTests
{
    private readonly ITestOutputHelper _output;

    public ScaleTests(ITestOutputHelper output) => _output = output;

    private static string InClass(string members) =>
        Harness.Usings + "namespace Scale;\n\npublic static partial class C\n{\n" + members + "\n}\n";

    private static string Repeat(int count, Func<int, string> part, string separator = "") =>
        string.Join(separator, Enumerable.Range(0, count).Select(part));

    private static string Nest(int depth, string open, string inner, string close)
    {
        var text = new StringBuilder(depth * (open.Length + close.Length) + inner.Length);
        for (var i = 0; i < depth; i++) text.Append(open);
        text.Append(inner);
        for (var i = 0; i < depth; i++) text.Append(close);
        return text.ToString();
    }

    private const int Small = 1;

    /// <summary>
    /// For depths where Roslyn's own binder, which recurses once per level and is far hungrier than GradGen, needs it: on
    /// 1 MiB it gives up (InsufficientExecutionStackException) around 1,000 nested calls, and with code not yet tiered up
    /// it has run out of 64 MiB at 4,950 of 5,000.
    /// </summary>
    private const int Roomy = 256;

    /// <summary>
    /// A case: its source, built lazily (some are megabytes), the stack it runs on (MiB), and whether
    /// nullable reference types are on (off for the 100,000-node expressions: with them on, each GetOperation of the
    /// method runs Roslyn's nullable analysis over the whole expression, ~4 s a time, and a build does it three times).
    /// </summary>
    public sealed record Case(Func<string> Text, int StackMiB = Small, bool Nullable = true);

    public static readonly Dictionary<string, Case> Cases = new()
    {
        // 50,000 additions: 100,001 nodes, left-nested as `x + x + …` parses (Roslyn binds such chains without recursion).
        ["Sum of 50,000 terms (100,001 nodes)"] = new(() => InClass("[Differentiable] public static double F(double x) => " + Repeat(50_000, _ => "x", " + ") + ";"), Nullable: false),
        // a * b - a + a * b - a + …: 100,000 terms, 300,000 nodes.
        ["a * b - a + ... chain of 100,000 terms"] = new(() => InClass("[Differentiable] public static double F(double a, double b) => " +
            Repeat(100_000, i => (i % 2 == 0 ? "a * b" : "a") + (i == 99_999 ? "" : i % 4 == 1 ? " + " : " - ")) + ";"), Nullable: false),
        // Roslyn resolves each Tensor + among C# 14 extension operators (~5 ms a term here), so fewer terms: still past MaxDepth.
        ["Tensor sum of 250 terms"] = new(() => InClass("[Differentiable] public static Tensor<double> F(Tensor<double> x, Tensor<double> y) => " + Repeat(250, i => i % 2 == 0 ? "x" : "y", " + ") + ";")),
        // Nested calls: at 5,000 levels Roslyn's own binder (LocalBinderFactory) threw InsufficientExecutionStackException in
        // about one run in three even on 256 MiB, depending on how far the JIT had tiered it up — a limit of Roslyn, met before
        // GradGen runs. 2,000 levels is still ten times GradGen's MaxDepth.
        ["Ops.Relu nested 2,000 deep"] = new(() => InClass("[Differentiable] public static Tensor<double> F(Tensor<double> x) => " + Nest(2_000, "Ops.Relu(", "x", ")") + ";"), Roomy),
        ["Math.Sin nested 2,000 deep"] = new(() => InClass("[Differentiable] public static double F(double x) => " + Nest(2_000, "Math.Sin(", "x", ")") + ";"), Roomy),
        ["Math.Sin nested 400 deep"] = new(() => InClass("[Differentiable] public static double F(double x) => " + Nest(400, "Math.Sin(", "x", ")") + ";")),
        // (Roslyn's parser slows down quadratically here: ~10 s for 10,000 levels of parentheses.)
        ["Parentheses nested 2,000 deep"] = new(() => InClass("[Differentiable] public static double F(double x) => " + Nest(2_000, "(", "x", ")") + " * x;"), Roomy),
        ["Parentheses nested 1,000 deep"] = new(() => InClass("[Differentiable] public static double F(double x) => " + Nest(1_000, "(", "x", ")") + " * x;")),
        ["Right-nested products 5,000 deep"] = new(() => InClass("[Differentiable] public static double F(double x) => " + Nest(5_000, "x * (", "x", ")") + ";"), Roomy),
        ["Negations nested 5,000 deep"] = new(() => InClass("[Differentiable] public static double F(double x) => " + Nest(5_000, "-(", "x", ")") + ";"), Roomy),
        ["Exp, negation and sum nested 3,000 deep"] = new(() => InClass("[Differentiable] public static double F(double x) => " + Nest(1_000, "Math.Exp(-(x + (", "x", ")))") + ";"), Roomy),
        ["Blocks nested 5,000 deep"] = new(() => InClass("[Differentiable] public static double F(double x)\n" + Nest(5_000, "{", " return x * x; ", "}")), Roomy),
        // Issue 8: on a 1 MiB thread Roslyn's GetOperation overflowed the stack (an uncatchable crash) at about these depths;
        // Lower measures the syntax depth first and rejects them without binding (SyntaxDepth).
        ["Blocks nested 700 deep, 1 MiB"] = new(() => InClass("[Differentiable] public static double F(double x)\n" + Nest(700, "{", " return x * x; ", "}"))),
        ["Ifs nested 400 deep, 1 MiB"] = new(() => InClass("[Differentiable] public static double F(double x)\n{\n" + Nest(400, "if (x > 0) { ", "return x;", " } ") + " return x * x;\n}")),
        ["Lambdas nested 150 deep, 1 MiB"] = new(() => InClass("[Differentiable] public static double F(double x) => " + Nest(150, "((Func<double, double>)(y => ", "x", "))(x)") + ";")),
        ["Conditionals nested 500 deep, 1 MiB"] = new(() => InClass("[Differentiable] public static double F(double x) => " + Nest(500, "x > 0 ? x : (", "x", ")") + ";")),
        ["Math.Sin nested 420 deep, 1 MiB"] = new(() => InClass("[Differentiable] public static double F(double x) => " + Nest(420, "Math.Sin(", "x", ")") + ";")),
        ["A deep method that is not [Differentiable], 1 MiB"] = new(() => InClass("public static double Deep(double x)\n" + Nest(700, "{", " return x * x; ", "}") +
            "\n[Differentiable] public static double F(double x) => x * x;")),
        ["Blocks nested 300 deep"] = new(() => InClass("[Differentiable] public static double F(double x)\n" + Nest(300, "{", " return x * x; ", "}"))),
        // F0 → F1 → … → F4999: each [Differentiable] method calls the next. (A recursive walk of the chain needed ~250 bytes
        // of stack a method: 1 MiB lasted ~3,800 methods.) The last one rounds, so every method is rejected (GG0009): the
        // same walk, without generating and parsing 5,000 files; the 2,000-method type covers generation at scale.
        ["Call chain of 5,000 methods ending in a non-differentiable one"] = new(() => InClass(Repeat(5_000, i => i == 4_999
            ? $"[Differentiable] public static double F{i}(double x) => Math.Round(x);\n"
            : $"[Differentiable] public static double F{i}(double x) => F{i + 1}(x) * 0.5 + x;\n"))),
        // F0 → F1 → … → F999 → F0.
        ["Recursion cycle of 1,000 methods"] = new(() => InClass(Repeat(1_000, i => $"[Differentiable] public static double F{i}(double x) => F{(i + 1) % 1_000}(x) + x;\n"))),
        // Each level calls the next twice: 2^29 paths through 30 methods, 30 methods to lower. An unmemoised walk takes hours and
        // fails at the hang guard; a memoised one takes well under a second.
        ["Diamond of 30 levels"] = new(() => InClass(Repeat(30, i => i == 29
            ? $"[Differentiable] public static double F{i}(double x) => x * x;\n"
            : $"[Differentiable] public static double F{i}(double x) => F{i + 1}(x) + F{i + 1}(x) * x;\n")), Small),
        ["2,000 methods in one type"] = new(() => InClass(Repeat(2_000, i => $"[Differentiable] public static double F{i}(double x, double y) => Math.Sin(x * {i}) * y + x;\n"))),
        ["2,000 statements"] = new(() => InClass("[Differentiable] public static double F(double x)\n{\n    var y0 = x;\n" +
            Repeat(2_000, i => $"    var y{i + 1} = y{i} * 0.5 + x;\n") + "    return y2000;\n}")),
        ["1,000 parameters"] = new(() => InClass("[Differentiable] public static double F(" + Repeat(1_000, i => "double p" + i, ", ") + ")\n{\n    var s0 = p0;\n" +
            Repeat(999, i => $"    var s{i + 1} = s{i} + p{i + 1};\n") + "    return s999;\n}")),
    };

    public static IEnumerable<object[]> CaseNames => Cases.Keys.Select(k => new object[] { k });

    /// <summary>All cases, run once in child processes (see <see cref="ChildProcess"/>): a stack overflow there fails its case, not the test host.</summary>
    private static readonly Lazy<Dictionary<string, CaseResult>> Results = new(() => ChildProcess.RunAll(Cases.Keys.ToList(), Isolated.HangGuard));

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Finishes_on_a_small_stack_without_crashing_or_hanging(string name)
    {
        var result = Results.Value[name];
        _output.WriteLine($"{name}: {result.Status}, {result.Seconds:F1} s; {result.Counts}");
        foreach (var outcome in result.Outcomes) _output.WriteLine("  " + outcome);
        Assert.True(result.Status == CaseResult.Ok, $"{name}: {result.Status} after {result.Seconds:F1} s: {result.Detail}");
        Assert.True(result.Crashes.Length == 0, name + ":\n" + string.Join("\n", result.Crashes));
        Assert.True(result.Silent.Length == 0, name + ":\n" + string.Join("\n", result.Silent));
        Assert.True(result.Marked > 0, name + ": no [Differentiable] method found in the source");
    }

    /// <summary>Runs one case (in the child process): parses on a roomy stack (the parser's depth is Roslyn's affair), then generates and analyses on the case's stack.</summary>
    internal static CaseResult RunCase(string name)
    {
        var stopwatch = Stopwatch.StartNew();
        try
        {
            var @case = Cases[name];
            var text = @case.Text();
            var source = new RobustSource("Scale", RobustSource.Sanitize(name), text) { Alone = true };
            SyntaxTree? tree = null;
            var parser = new Thread(() => tree = RobustnessCheck.Parse(text, source.Paths.Single()), 256 * 1024 * 1024);
            parser.Start();
            parser.Join();
            source = source with { Parsed = new[] { tree! } };
            // Everything on the case's thread: Roslyn's binding too, not on 1.5 MiB pool threads where its own recursion is the limit.
            var options = new RobustnessCheck.Options(ConcurrentAnalysis: false, ConcurrentBuild: false, AnalyzeGeneratorOutput: false, Nullable: @case.Nullable);
            var (report, _) = Isolated.Run(name, token => RobustnessCheck.Check(new[] { source }, token, options), @case.StackMiB * 1024 * 1024);
            return new CaseResult(name, CaseResult.Ok, stopwatch.Elapsed.TotalSeconds, $"{text.Length:N0} characters, {@case.StackMiB} MiB stack; " + report.Counts, report.Marked,
                report.Crashes.Select(Clip).ToArray(), report.Silent.Select(Clip).ToArray(), report.Outcomes.Take(5).Select(Clip).ToArray(), "");
        }
        catch (TimeoutException e)
        {
            var status = e.InnerException is OperationCanceledException ? CaseResult.TooSlow : CaseResult.Hung;
            return new CaseResult(name, status, stopwatch.Elapsed.TotalSeconds, "", 0, Array.Empty<string>(), Array.Empty<string>(), Array.Empty<string>(),
                e.Message + (e.InnerException is { } inner ? "\nwhere it was when cancelled:\n" + string.Join("\n", (inner.StackTrace ?? "").Split('\n').Take(12)) : ""));
        }
        catch (Exception e)
        {
            return new CaseResult(name, CaseResult.Threw, stopwatch.Elapsed.TotalSeconds, "", 0, Array.Empty<string>(), Array.Empty<string>(), Array.Empty<string>(), e.ToString());
        }
    }

    private static string Clip(string text) => text.Length <= 1500 ? text : text.Substring(0, 1500) + " …";
}
